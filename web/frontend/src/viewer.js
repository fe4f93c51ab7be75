/**
 * Read-only BPMN viewer with state markers (bundle: web/static/web/dist/bpmn-viewer.js).
 *
 *   PMBpmn.mountViewer(element, { xml, done, active, incident, doneFlows }) -> Promise<viewer>
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import { addMarkers, followResize, idList, publish, resolveElement, showError } from './common.js';

/** Sequence flows whose source and target have both been reached (done or active). */
function reachedFlows(viewer, reachedIds) {
  const reached = new Set(reachedIds);
  return viewer.get('elementRegistry')
    .filter((el) => el.type === 'bpmn:SequenceFlow' && !el.labelTarget &&
      el.source && el.target && reached.has(el.source.id) && reached.has(el.target.id))
    .map((el) => el.id);
}

export function mountViewer(element, options = {}) {
  let container;
  try {
    container = resolveElement(element, 'viewer');
  } catch (err) {
    return Promise.reject(err);
  }
  const { xml, done, active, incident, doneFlows } = options;
  container.classList.add('pm-bpmn');

  const viewer = new NavigatedViewer({ container });
  const imported = typeof xml === 'string' && xml.trim() !== ''
    ? viewer.importXML(xml)
    : Promise.reject(new Error('No BPMN XML to display.'));

  return imported.then(() => {
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');

    const doneIds = idList(done);
    const activeIds = idList(active);
    addMarkers(viewer, doneIds, 'pm-done');
    addMarkers(viewer, activeIds, 'pm-active');
    addMarkers(viewer, idList(incident), 'pm-incident');
    const flows = doneFlows == null ? reachedFlows(viewer, doneIds.concat(activeIds)) : doneFlows;
    addMarkers(viewer, flows, 'pm-done');

    followResize(viewer, container);
    return viewer;
  }, (err) => {
    viewer.destroy();
    showError(container, err);
    throw err;
  });
}

publish({ mountViewer });
