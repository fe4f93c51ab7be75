/**
 * BPMN editor with the Camunda 7 properties panel (bundle: web/static/web/dist/bpmn-modeler.js).
 *
 *   PMBpmn.mountModeler(canvasElement, panelElement, { xml })
 *     -> Promise<{ modeler, getXML(): Promise<string>, markErrors(ids), clearErrors() }>
 */
import Modeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdleDescriptor from 'camunda-bpmn-moddle/resources/camunda.json';

import { addMarkers, followResize, publish, resolveElement, showError } from './common.js';

const ERROR_MARKER = 'pm-error';

/**
 * The properties panel (Preact) subscribes to selection changes in an effect that runs after the
 * next paint. Wait for that, so a caller that selects an element as soon as the promise resolves
 * sees the panel follow. Falls back to a timer where frames do not run (background tabs).
 */
function afterPanelEffects() {
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      setTimeout(resolve, 0);
    };
    const timer = setTimeout(finish, 50);
    if (typeof window.requestAnimationFrame === 'function') window.requestAnimationFrame(finish);
  });
}

export function mountModeler(canvasElement, panelElement, options = {}) {
  let container, panel;
  try {
    container = resolveElement(canvasElement, 'modeler canvas');
    panel = resolveElement(panelElement, 'properties panel');
  } catch (err) {
    return Promise.reject(err);
  }
  const { xml } = options;
  container.classList.add('pm-bpmn', 'pm-bpmn-modeler');
  panel.classList.add('pm-bpmn-panel');

  const modeler = new Modeler({
    container,
    propertiesPanel: { parent: panel },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule
    ],
    moddleExtensions: { camunda: camundaModdleDescriptor }
  });

  const imported = typeof xml === 'string' && xml.trim() !== ''
    ? modeler.importXML(xml)
    : modeler.createDiagram();

  return imported.then(afterPanelEffects).then(() => {
    const canvas = modeler.get('canvas');
    const registry = modeler.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    followResize(modeler, container);

    let errorIds = [];

    function clearErrors() {
      errorIds.forEach((id) => {
        if (registry.get(id)) canvas.removeMarker(id, ERROR_MARKER);
      });
      errorIds = [];
    }

    function markErrors(ids) {
      clearErrors();
      errorIds = addMarkers(modeler, ids, ERROR_MARKER);
      return errorIds.slice();
    }

    function getXML() {
      return modeler.saveXML({ format: true }).then((result) => result.xml);
    }

    return { modeler, getXML, markErrors, clearErrors };
  }, (err) => {
    modeler.destroy();
    showError(container, err);
    throw err;
  });
}

publish({ mountModeler });
