"""Settings of the jupyter-runai hub service (`python -m jupyter_runai.hub --config=<this file>`).

Who may use which Run:ai project is decided here, by JupyterHub group; the Run:ai credentials
are not: they come from the service's environment (RUNAI_URL, RUNAI_CLIENT_ID,
RUNAI_CLIENT_SECRET), which jupyterhub_config.py passes on from the hub's.
"""

c = get_config()  # noqa: F821 - injected when the service loads this file

# hub group -> the Run:ai projects its members may use ("*" = every project)
c.RunaiHub.group_projects = {
    "team-a": ["team-a"],
    "vision": ["team-b"],
}
# users in none of those groups get these projects ([] = none: they see the service, not Run:ai)
c.RunaiHub.default_projects = []
# members of these hub groups see and act on every workspace (hub admins always do)
c.RunaiHub.admin_groups = []
# GPUs one user may hold at once across their workspaces (0 = no limit)
c.RunaiHub.gpu_limit = 4
# seconds between the service's list calls to Run:ai while someone watches
c.RunaiHub.poll_interval = 5
