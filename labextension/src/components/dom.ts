/** Small helpers for building plain DOM: the components use no framework and no JupyterLab. */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

export function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = el('button', '', text);
  node.type = 'button';
  node.title = title;
  node.addEventListener('click', onClick);
  return node;
}

export function option(value: string, text: string): HTMLOptionElement {
  const node = el('option', '', text);
  node.value = value;
  return node;
}

let counter = 0;

/** An id unique in the page: several panels (and a dialog) may show the same form. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
