"""``python -m jupyter_runai.hub``: the jupyter-runai JupyterHub service."""

from .app import main

if __name__ == "__main__":
    main()
