/**
 * DOM helpers. Everything from users or the server goes in as text (textContent, attributes via
 * setAttribute, Text nodes); nothing here parses HTML.
 */

/**
 * el('button', { class: 'x', test: 'send', type: 'button', onclick: fn }, 'Send')
 * `test` sets data-test; `dataset` sets data-*; `text` sets textContent; on* adds a listener;
 * other keys are attributes (true: present, false/null: absent). Children: nodes or strings.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'test') node.dataset.test = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** The element with data-test=`name` under `root`. */
export function byTest(name, root = document) {
  return root.querySelector(`[data-test="${name}"]`);
}

/** Sets text only when it differs (no needless mutations for screen readers). */
export function setText(node, text) {
  const value = String(text ?? '');
  if (node.textContent !== value) node.textContent = value;
}

let uniqueCounter = 0;
/** A fresh id for label/aria wiring. */
export function uniqueId(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A positive integer id typed by the user, or null. */
export function parseId(text) {
  const value = String(text).trim();
  if (!/^[0-9]{1,18}$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Makes `list`'s children follow `items` in order, one element per key: existing elements are
 * kept (so focus and references survive), `create(item)` makes new ones, `update(node, item)`
 * refreshes one only when `signature(item)` changed, and nodes are moved only when out of place.
 */
export function reconcile(list, items, { key, create, update, signature }) {
  const byKey = list.keyed ?? (list.keyed = new Map());
  const wanted = new Set(items.map(key));
  for (const [k, node] of byKey) {
    if (!wanted.has(k)) {
      node.remove();
      byKey.delete(k);
    }
  }
  let cursor = list.firstElementChild;
  for (const item of items) {
    const k = key(item);
    let node = byKey.get(k);
    if (!node) {
      node = create(item);
      byKey.set(k, node);
    }
    const sig = signature(item);
    if (node.signature !== sig) {
      update(node, item);
      node.signature = sig;
    }
    if (node === cursor) cursor = cursor.nextElementSibling;
    else list.insertBefore(node, cursor);
  }
}
