// Lays out a BPMN file's diagram (its bpmndi:BPMNDiagram part) left to right, with every sequence
// flow drawn as an edge. Run through scripts/layout_bpmn, or:
//
//   node layout.mjs in.bpmn [out.bpmn]      (no out: write in place)
//
// Only the <bpmndi:BPMNDiagram> element of the file is replaced; every byte before and after it
// (the process itself: ids, scripts, conditions, camunda attributes, formatting) is kept as it was.
// If the root element does not declare a namespace the new DI needs (e.g. xmlns:di for waypoints),
// it is declared on the BPMNDiagram element, so the root element is left alone too.
//
// Processes listed in HAND (repair, maintenance) get a hand-placed layout: positions on a grid
// and orthogonal edge routes, checked against the process (it must have exactly the nodes placed
// there, boundary events on the same hosts; else the file is laid out automatically, with a
// warning). Any other process is laid out
// with bpmn-auto-layout. That tool follows flowNode.incoming/outgoing, which bpmn-moddle only fills
// from <bpmn:incoming>/<bpmn:outgoing> children; files written by hand or by SpiffWorkflow tools
// often lack them, and then it puts every node in one column with no edges. So they are wired from
// the sequence flows first (on the parsed copy handed to the tool, not in the file).
//
// The output depends only on the input: running it again gives the same file.
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

import { BpmnModdle } from 'bpmn-moddle';
import { layoutProcess } from 'bpmn-auto-layout';

const NS = {
  bpmndi: 'http://www.omg.org/spec/BPMN/20100524/DI',
  dc: 'http://www.omg.org/spec/DD/20100524/DC',
  di: 'http://www.omg.org/spec/DD/20100524/DI'
};

const TASK = { width: 100, height: 80 };
const EVENT = { width: 36, height: 36 };
const GATEWAY = { width: 50, height: 50 };

// ---------------------------------------------------------------------------------------------
// Hand-placed layouts. nodes: [x, y] centre of each node (x from column centres, y from row
// centres); boundary: host, horizontal offset from the host's centre and the border (top or
// bottom) it sits on; flows: route overrides (see route()); labels: where external labels go
// (see placeLabel()). Flows not listed are routed by route()'s rules.

/** Column centres from a left edge, the half-widths of the columns and the gaps between them. */
function columns(start, halfWidths, gaps) {
  const xs = [start];
  for (let i = 1; i < halfWidths.length; i++) {
    xs.push(xs[i - 1] + halfWidths[i - 1] + gaps[i - 1] + halfWidths[i]);
  }
  return xs;
}

const E = EVENT.width / 2;
const G = GATEWAY.width / 2;
const T = TASK.width / 2;

function repairLayout() {
  // Band 1: report, SLA, dispatch, acceptance; under it the SLA watch. Band 2: the work, the
  // charge, the owner's confirmation; auto-close above it, rework (and the loop back) below it.
  // The flow from band 1 to band 2 runs down the right-hand side.
  const c = columns(100, [E, T, G, G, T, G, T, T, T, E], [50, 50, 70, 50, 50, 50, 50, 50, 50]);
  const d = columns(150, [T, T, G, T, T, T, T, G, T, E], [50, 50, 50, 50, 50, 50, 75, 50, 50]);
  const M = 120;          // band 1 main row ("pool" runs over it)
  const B = M + 125;      // dispatch by hand, late-acceptance escalation
  const W1 = B + 115;     // resolution SLA watch
  const W2 = W1 + 110;    // manager escalation
  const channel = W2 + 70;
  const A2 = channel + 65; // auto-close when the owner does not answer
  const M2 = A2 + 125;     // band 2 main row ("no charge" runs under it)
  const B2 = M2 + 110;     // rework
  const farRight = c[9] + E + 36;

  return {
    nodes: {
      reported: [c[0], M], plan_sla: [c[1], M], fork: [c[2], M], dispatch_mode: [c[3], M],
      dispatch_auto: [c[4], M], dispatched: [c[5], M], assign: [c[6], M], accept: [c[7], M],
      record_accept: [c[8], M],
      dispatch: [c[4], B], escalate_response: [c[7], B], response_overdue: [c[8], B],
      response_escalation_done: [c[9], B],
      resolution_deadline: [c[3], W1], escalate_supervisor: [c[4], W1], escalation_fork: [c[5], W1],
      resolution_overdue: [c[6], W1], supervisor_done: [c[7], W1],
      manager_deadline: [c[6], W2], escalate_manager: [c[7], W2], resolution_overdue_manager: [c[8], W2],
      manager_done: [c[9], W2],
      repair_work: [d[0], M2], record_work: [d[1], M2], charge_question: [d[2], M2],
      approve_charge: [d[3], M2], record_charge: [d[4], M2], ask_confirmation: [d[5], M2],
      confirm: [d[6], M2], satisfied_question: [d[7], M2], close: [d[8], M2], closed: [d[9], M2],
      close_auto: [d[6], A2], closed_auto: [d[6] + T + 50 + E, A2],
      rework: [d[7], B2]
    },
    boundary: {
      response_late: { host: 'accept', dx: 0, side: 'bottom' },
      no_answer: { host: 'confirm', dx: 0, side: 'top' }
    },
    flows: {
      flow_pool: { bypass: M - 65 },
      flow_no_charge: { bypass: M2 + 65 },
      flow_to_repair: ({ src, tgt }) => [
        [src.right, src.cy], [farRight, src.cy], [farRight, channel], [tgt.cx, channel], [tgt.cx, tgt.top]
      ],
      flow_back: ({ src, tgt }) => [[src.left, src.cy], [tgt.cx, src.cy], [tgt.cx, tgt.bottom]]
    },
    labels: {
      fork: 'above', dispatch_mode: 'below-left', charge_question: 'above',
      satisfied_question: 'above', response_late: 'right', no_answer: 'left-above',
      flow_pool: 'above-middle', flow_auto: 'above-start', flow_assign: 'above-end',
      flow_charge: 'above-start', flow_no_charge: 'below-middle',
      flow_satisfied: 'above-start', flow_rework: 'right-start'
    }
  };
}

function maintenanceLayout() {
  // Main row: do it, record it, no defect: done. A defect goes up, overdue work goes down.
  const c = columns(100, [E, T, T, G, T, E], [50, 50, 50, 50, 50]);
  const A = 80;
  const M = A + 120;
  const B = M + 125;
  return {
    nodes: {
      due: [c[0], M], perform: [c[1], M], record: [c[2], M], defect_question: [c[3], M],
      done: [c[4], M],
      open_work_order: [c[4], A], done_with_defect: [c[5], A],
      maintenance_overdue: [c[1], B], overdue_handled: [c[2], B]
    },
    boundary: { overdue: { host: 'perform', dx: 0, side: 'bottom' } },
    flows: {},
    labels: {
      overdue: 'right', defect_question: 'below',
      flow_defect: 'above-end', flow_no_defect: 'above-start'
    }
  };
}

const HAND = { repair: repairLayout, maintenance: maintenanceLayout };

// ---------------------------------------------------------------------------------------------
// Semantic model.

function isType(el, type) {
  return el.$instanceOf(type);
}

function sizeOf(el) {
  if (isType(el, 'bpmn:Event')) return EVENT;
  if (isType(el, 'bpmn:Gateway')) return GATEWAY;
  return TASK;
}

function hasExternalLabel(el) {
  return isType(el, 'bpmn:Event') || isType(el, 'bpmn:Gateway') || isType(el, 'bpmn:SequenceFlow');
}

function box(x, y, width, height) {
  return {
    x, y, width, height,
    cx: x + width / 2, cy: y + height / 2,
    left: x, right: x + width, top: y, bottom: y + height
  };
}

/** Rough width of a label in bpmn-js's 11px external-label font. */
function textWidth(text) {
  let w = 0;
  for (const ch of text) {
    if (/[\u2e80-\uffff]/.test(ch)) w += 11;
    else if (/[A-Zmw]/.test(ch)) w += 8;
    else if (/[ilj.,:;'|!I]/.test(ch)) w += 3;
    else if (ch === ' ') w += 3;
    else w += 6;
  }
  return Math.ceil(w);
}

/** Label box of at most 90 px wide, wrapped on words like bpmn-js does (roughly). */
function labelSize(text) {
  const words = text.split(/\s+/);
  const lines = [];
  let line = '';
  for (const word of words) {
    const next = line ? line + ' ' + word : word;
    if (line && textWidth(next) > 90) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  const width = Math.max(...lines.map(textWidth)) + 4;
  return { width: Math.min(Math.max(width, 12), 94), height: lines.length * 14 };
}

// ---------------------------------------------------------------------------------------------
// Hand layout: shapes, routes, labels.

function route(flow, src, tgt, srcEl, override) {
  if (typeof override === 'function') return override({ src, tgt });
  if (override && override.bypass !== undefined) {
    const y = override.bypass;
    const up = y < src.cy;
    return [[src.cx, up ? src.top : src.bottom], [src.cx, y], [tgt.cx, y], [tgt.cx, up ? tgt.top : tgt.bottom]];
  }
  if (Math.abs(src.cy - tgt.cy) < 1) {
    return tgt.cx > src.cx ? [[src.right, src.cy], [tgt.left, tgt.cy]] : [[src.left, src.cy], [tgt.right, tgt.cy]];
  }
  const down = tgt.cy > src.cy;
  const fromSide = isType(srcEl, 'bpmn:BoundaryEvent') || isType(srcEl, 'bpmn:Gateway');
  if (Math.abs(src.cx - tgt.cx) < Math.min(src.width, tgt.width) / 2) {
    // one above the other: straight down (or up)
    return [[src.cx, down ? src.bottom : src.top], [src.cx, down ? tgt.top : tgt.bottom]];
  }
  if (fromSide) {
    // leave the gateway / boundary event vertically, enter the target from the left
    return [[src.cx, down ? src.bottom : src.top], [src.cx, tgt.cy], [tgt.left, tgt.cy]];
  }
  // leave to the right, enter the target (a joining gateway, or a task) from above / below
  return [[src.right, src.cy], [tgt.cx, src.cy], [tgt.cx, down ? tgt.top : tgt.bottom]];
}

function placeLabel(where, size, shape, points) {
  const { width, height } = size;
  if (points) {
    const [p0, p1] = points;
    const [q0, q1] = points.slice(-2);
    switch (where) {
    case 'above-start': // above the first (horizontal) segment, next to its start
      return box(p0[0] + 12, p0[1] - height - 2, width, height);
    case 'above-end': // above the last (horizontal) segment, next to its end
      return box(q1[0] - width - 8, q1[1] - height - 2, width, height);
    case 'right-start': // right of the first (vertical) segment
      return box(p0[0] + 5, p0[1] + 4, width, height);
    case 'above-middle':
    case 'below-middle': { // middle of the longest horizontal segment
      let best = null;
      for (let i = 0; i + 1 < points.length; i++) {
        const [a, b] = [points[i], points[i + 1]];
        if (a[1] === b[1] && (!best || Math.abs(b[0] - a[0]) > Math.abs(best[1][0] - best[0][0]))) best = [a, b];
      }
      const mid = (best[0][0] + best[1][0]) / 2;
      const y = where === 'above-middle' ? best[0][1] - height - 2 : best[0][1] + 3;
      return box(mid - width / 2, y, width, height);
    }
    default: { // bpmn-js's own choice: the middle of the middle segment
      const i = Math.floor((points.length - 1) / 2);
      const [a, b] = [points[i], points[i + 1]];
      return box((a[0] + b[0]) / 2 - width / 2, (a[1] + b[1]) / 2 - height - 2, width, height);
    }
    }
  }
  switch (where) {
  case 'above':
    return box(shape.cx - width / 2, shape.top - height - 4, width, height);
  case 'right': // right of the event, below its centre
    return box(shape.right + 4, shape.cy + 4, width, height);
  case 'left-above': // left of the event, above its centre
    return box(shape.left - width - 4, shape.cy - height - 4, width, height);
  case 'below-left':
    return box(shape.left - width + 8, shape.bottom - 4, width, height);
  default: // below, centred: bpmn-js's default place
    return box(shape.cx - width / 2, shape.bottom + 5, width, height);
  }
}

function handLayout(proc, spec) {
  const shapes = [];
  const edges = [];
  const boxes = new Map();
  const nodes = proc.flowElements.filter((el) => !isType(el, 'bpmn:SequenceFlow'));
  const flows = proc.flowElements.filter((el) => isType(el, 'bpmn:SequenceFlow'));

  for (const el of nodes) {
    const size = sizeOf(el);
    let cx, cy;
    if (isType(el, 'bpmn:BoundaryEvent')) {
      const { host, dx, side } = spec.boundary[el.id];
      const hostBox = boxes.get(host);
      [cx, cy] = [hostBox.cx + dx, side === 'top' ? hostBox.top : hostBox.bottom];
    } else {
      [cx, cy] = spec.nodes[el.id];
    }
    boxes.set(el.id, box(cx - size.width / 2, cy - size.height / 2, size.width, size.height));
  }
  for (const el of nodes) {
    const b = boxes.get(el.id);
    const shape = { element: el, bounds: b };
    if (hasExternalLabel(el) && el.name) {
      shape.label = placeLabel(spec.labels[el.id], labelSize(el.name), b);
    }
    shapes.push(shape);
  }
  for (const flow of flows) {
    const src = boxes.get(flow.sourceRef.id);
    const tgt = boxes.get(flow.targetRef.id);
    const points = route(flow, src, tgt, flow.sourceRef, spec.flows[flow.id]);
    const edge = { element: flow, waypoints: points };
    if (flow.name) edge.label = placeLabel(spec.labels[flow.id], labelSize(flow.name), null, points);
    edges.push(edge);
  }
  return { shapes, edges };
}

/** The hand layout fits if it places exactly the process's nodes; otherwise null. */
function handLayoutFor(proc) {
  const make = HAND[proc.id];
  if (!make) return null;
  const spec = make();
  const nodes = (proc.flowElements || []).filter((el) => !isType(el, 'bpmn:SequenceFlow'));
  const placed = new Set([...Object.keys(spec.nodes), ...Object.keys(spec.boundary)]);
  const unknown = nodes.filter((el) => !placed.has(el.id)).map((el) => el.id);
  const gone = [...placed].filter((id) => !nodes.some((el) => el.id === id));
  const wrongKind = nodes.filter((el) => isType(el, 'bpmn:BoundaryEvent')
    ? el.attachedToRef?.id !== spec.boundary[el.id]?.host
    : el.id in spec.boundary).map((el) => el.id);
  const nested = nodes.filter((el) => isType(el, 'bpmn:SubProcess'));
  if (unknown.length || gone.length || wrongKind.length || nested.length) {
    console.warn(`layout: the hand layout of "${proc.id}" does not match the process ` +
      `(not placed: ${unknown.join(', ') || '-'}; no longer there: ${gone.join(', ') || '-'}; ` +
      `boundary events moved: ${wrongKind.join(', ') || '-'}; sub-processes: ${nested.map((el) => el.id).join(', ') || '-'}); laying it out automatically instead. ` +
      'Update HAND in web/frontend/layout.mjs to keep a hand layout.');
    return null;
  }
  return handLayout(proc, spec);
}

// ---------------------------------------------------------------------------------------------
// Automatic layout (bpmn-auto-layout).

async function autoLayout(xml) {
  const moddle = new BpmnModdle();
  const { rootElement } = await moddle.fromXML(xml);
  const wire = (container) => {
    for (const el of container.flowElements || []) {
      if (isType(el, 'bpmn:FlowNode')) {
        el.set('incoming', []);
        el.set('outgoing', []);
      }
    }
    for (const el of container.flowElements || []) {
      if (isType(el, 'bpmn:SequenceFlow')) {
        el.sourceRef.get('outgoing').push(el);
        el.targetRef.get('incoming').push(el);
      }
      if (el.flowElements) wire(el);
    }
  };
  for (const root of rootElement.rootElements) if (isType(root, 'bpmn:Process')) wire(root);
  const wired = (await moddle.toXML(rootElement)).xml;
  const laidOut = await layoutProcess(wired);

  const { rootElement: result } = await new BpmnModdle().fromXML(laidOut);
  const shapes = [];
  const edges = [];
  const toBox = (b) => box(b.x, b.y, b.width, b.height);
  for (const diagram of result.diagrams) {
    for (const di of diagram.plane.planeElement) {
      const label = di.label && di.label.bounds ? toBox(di.label.bounds) : undefined;
      if (isType(di, 'bpmndi:BPMNShape')) {
        shapes.push({ element: di.bpmnElement, bounds: toBox(di.bounds), label, isExpanded: di.isExpanded });
      } else if (isType(di, 'bpmndi:BPMNEdge')) {
        edges.push({ element: di.bpmnElement, waypoints: di.waypoint.map((p) => [p.x, p.y]), label });
      }
    }
  }
  return { shapes, edges };
}

// ---------------------------------------------------------------------------------------------
// Writing the DI and splicing it into the original text.

function num(v) {
  return String(Math.round(v));
}

function bounds(b, indent) {
  return `${indent}<DC:Bounds x="${num(b.x)}" y="${num(b.y)}" width="${num(b.width)}" height="${num(b.height)}" />\n`;
}

function labelXml(label, indent) {
  if (!label) return '';
  return `${indent}<DI_:BPMNLabel>\n${bounds(label, indent + '  ')}${indent}</DI_:BPMNLabel>\n`;
}

function serialize({ shapes, edges }, ids, declare, baseIndent) {
  const i0 = baseIndent;
  const i1 = i0 + '  ';
  const i2 = i1 + '  ';
  const i3 = i2 + '  ';
  let out = `<DI_:BPMNDiagram id="${ids.diagram}"${declare}>\n`;
  out += `${i1}<DI_:BPMNPlane id="${ids.plane}" bpmnElement="${ids.process}">\n`;
  for (const s of shapes) {
    const el = s.element;
    let attrs = `id="${el.id}_di" bpmnElement="${el.id}"`;
    if (isType(el, 'bpmn:ExclusiveGateway')) attrs += ' isMarkerVisible="true"';
    if (s.isExpanded !== undefined) attrs += ` isExpanded="${s.isExpanded}"`;
    out += `${i2}<DI_:BPMNShape ${attrs}>\n${bounds(s.bounds, i3)}${labelXml(s.label, i3)}${i2}</DI_:BPMNShape>\n`;
  }
  for (const e of edges) {
    const el = e.element;
    out += `${i2}<DI_:BPMNEdge id="${el.id}_di" bpmnElement="${el.id}">\n`;
    for (const [x, y] of e.waypoints) out += `${i3}<WP_:waypoint x="${num(x)}" y="${num(y)}" />\n`;
    out += `${labelXml(e.label, i3)}${i2}</DI_:BPMNEdge>\n`;
  }
  out += `${i1}</DI_:BPMNPlane>\n${i0}</DI_:BPMNDiagram>`;
  return out;
}

/** Prefixes the root element binds to the DI namespaces; declarations to add for missing ones. */
function prefixes(xml) {
  const root = xml.match(/<([\w.-]+:)?definitions\b[^>]*>/);
  if (!root) throw new Error('no <definitions> root element');
  const bound = {};
  for (const m of root[0].matchAll(/xmlns(?::([\w.-]+))?\s*=\s*"([^"]*)"/g)) {
    if (!(m[2] in bound)) bound[m[2]] = m[1] === undefined ? '' : m[1];
  }
  const used = new Set(Object.values(bound));
  const result = {};
  let declare = '';
  for (const [want, uri] of Object.entries(NS)) {
    if (uri in bound) {
      result[want] = bound[uri];
    } else {
      let p = want;
      for (let n = 2; used.has(p); n++) p = want + n;
      used.add(p);
      result[want] = p;
      declare += ` xmlns:${p}="${uri}"`;
    }
  }
  return { prefix: result, declare };
}

function qualify(text, prefix) {
  const q = (p) => (p ? p + ':' : '');
  return text
    .replaceAll('DI_:', q(prefix.bpmndi))
    .replaceAll('DC:', q(prefix.dc))
    .replaceAll('WP_:', q(prefix.di));
}

function checkComplete(proc, layout) {
  const drawn = new Set([...layout.shapes, ...layout.edges].map((d) => d.element.id));
  const missing = (proc.flowElements || []).filter((el) => !drawn.has(el.id)).map((el) => el.id);
  if (missing.length) throw new Error(`not drawn: ${missing.join(', ')}`);
}

export async function layoutXml(xml) {
  const moddle = new BpmnModdle();
  const { rootElement: defs, warnings } = await moddle.fromXML(xml);
  if (warnings.length) throw new Error(`the file does not parse cleanly: ${warnings[0].message}`);
  const roots = defs.rootElements || [];
  const processes = roots.filter((el) => isType(el, 'bpmn:Process'));
  if (roots.some((el) => isType(el, 'bpmn:Collaboration')) || processes.length !== 1 ||
      processes[0].laneSets?.length) {
    throw new Error('only a single process without pools or lanes can be laid out; lay this one out in the modeler');
  }
  const proc = processes[0];

  const layout = handLayoutFor(proc) || await autoLayout(xml);
  checkComplete(proc, layout);

  // Splice: replace the existing BPMNDiagram element(s), keeping everything else byte for byte.
  const open = xml.search(/<([\w.-]+:)?BPMNDiagram\b/);
  const closes = [...xml.matchAll(/<\/([\w.-]+:)?BPMNDiagram\s*>/g)];
  const old = defs.diagrams?.[0];
  const ids = {
    diagram: old?.id || `BPMNDiagram_${proc.id}`,
    plane: old?.plane?.id || `BPMNPlane_${proc.id}`,
    process: proc.id
  };
  const { prefix, declare } = prefixes(xml);
  let start, end, indent;
  if (open >= 0 && closes.length) {
    const last = closes[closes.length - 1];
    start = open;
    end = last.index + last[0].length;
    indent = xml.slice(xml.lastIndexOf('\n', open) + 1, open);
  } else {
    const close = xml.search(/<\/([\w.-]+:)?definitions\s*>/);
    start = end = close;
    indent = '  ';
  }
  let diXml = qualify(serialize(layout, ids, declare, indent), prefix);
  if (open < 0) diXml = indent + diXml + '\n'; // inserted at the start of the </definitions> line
  const out = xml.slice(0, start) + diXml + xml.slice(end);

  // The result must parse, and say the same as before outside the diagram.
  const again = await new BpmnModdle().fromXML(out);
  if (again.warnings.length) throw new Error(`the laid-out file does not parse cleanly: ${again.warnings[0].message}`);
  if (out.slice(0, start) !== xml.slice(0, start) || out.slice(out.length - (xml.length - end)) !== xml.slice(end)) {
    throw new Error('internal error: text outside the diagram changed');
  }
  return out;
}

async function main(argv) {
  const [input, output = input] = argv;
  if (!input) {
    console.error('usage: node layout.mjs in.bpmn [out.bpmn]');
    process.exit(2);
  }
  const xml = await readFile(input, 'utf8');
  const out = await layoutXml(xml);
  if (out !== xml || output !== input) await writeFile(output, out, 'utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`layout: ${process.argv[2]}: ${err.message}`);
    process.exit(1);
  });
}
