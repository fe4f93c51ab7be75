/**
 * Helpers shared by the viewer and the modeler bundles.
 */

/** Publish functions on window.PMBpmn, keeping whatever another bundle already put there. */
export function publish(api) {
  const existing = window.PMBpmn && typeof window.PMBpmn === 'object' ? window.PMBpmn : {};
  window.PMBpmn = Object.assign(existing, api);
  return window.PMBpmn;
}

/** Accept a DOM element or a CSS selector. */
export function resolveElement(elementOrSelector, what) {
  const el = typeof elementOrSelector === 'string'
    ? document.querySelector(elementOrSelector)
    : elementOrSelector;
  if (!el || el.nodeType !== 1) {
    throw new Error('PMBpmn: ' + what + ' element not found');
  }
  return el;
}

/** Normalise a list of ids (array, single id, null) to an array of non-empty strings. */
export function idList(value) {
  if (value == null) return [];
  const list = Array.isArray(value) ? value : [ value ];
  return list.filter((id) => typeof id === 'string' && id !== '');
}

/** Readable text for an import or runtime error. */
export function errorText(err) {
  if (err && typeof err.message === 'string' && err.message) return err.message;
  return String(err);
}

/** Replace the element's content with a readable error message. */
export function showError(element, err) {
  const box = document.createElement('div');
  box.className = 'pm-bpmn-error-message';
  box.setAttribute('role', 'alert');
  box.textContent = errorText(err);
  element.replaceChildren(box);
}

/**
 * Tell the canvas when its container changes size: on window resize and, where supported,
 * when the container itself is resized by the page layout. Stops when the diagram is destroyed.
 */
export function followResize(diagram, container) {
  const canvas = diagram.get('canvas');
  let frame = 0;
  const onResize = () => {
    if (frame) return;
    frame = window.requestAnimationFrame(() => {
      frame = 0;
      canvas.resized();
    });
  };
  window.addEventListener('resize', onResize);
  let observer = null;
  if (typeof window.ResizeObserver === 'function') {
    observer = new window.ResizeObserver(onResize);
    observer.observe(container);
  }
  diagram.get('eventBus').on('diagram.destroy', () => {
    window.removeEventListener('resize', onResize);
    if (observer) observer.disconnect();
    if (frame) window.cancelAnimationFrame(frame);
  });
}

/** Add a marker to each id that exists in the diagram; returns the ids that were marked. */
export function addMarkers(diagram, ids, marker) {
  const canvas = diagram.get('canvas');
  const registry = diagram.get('elementRegistry');
  const marked = [];
  idList(ids).forEach((id) => {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
      marked.push(id);
    }
  });
  return marked;
}
