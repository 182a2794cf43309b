// The plan page: an item's place on its home's floor plan (?defect=ID: tap to put the pin, then
// save; the areas drawn for the item's room are shaded), every item of a home as numbered pins
// (?unit=ID; ?unit=ID&all=1: every home of its unit type in the building), or a supervisor
// drawing where each room is on a unit type's plan (?areas=A2: tap the corners, save). Every word on it comes from the server in the reader's language;
// the login is the Telegram client's initData, sent with every request (the plan image too,
// which is therefore fetched and shown through a blob: URL).
//
// The plan can be zoomed (two fingers, the buttons, a mouse wheel) and moved (one finger). A pin
// is placed from pointer events, never from `click`: a tap's position is read from the image's
// box on screen, which includes the zoom, so it lands where the finger was.
"use strict";

const tg = webApp();
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const language = (tg.initDataUnsafe && tg.initDataUnsafe.user && tg.initDataUnsafe.user.language_code)
  || navigator.language || "";


// `path` is relative to the page (/app/), as the API gives the image's address.
function api(path, options) {
  const headers = Object.assign({
    "Authorization": "tma " + tg.initData,
    "Accept-Language": language,
  }, options && options.body ? { "Content-Type": "application/json" } : {});
  return fetch(path, Object.assign({ headers }, options));
}

function say(text, kind) {
  const status = $("status");
  status.textContent = text || "";
  status.className = kind || "";
}

function fill(parent, children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  children.forEach((child) => parent.appendChild(child));
}

// A colour from the API, used only if it is one.
function colour(value) {
  return /^#[0-9a-fA-F]{3,8}$/.test(value || "") ? value : "#8e8e93";
}

// A button pressed by a finger acts on lifting it (a tap some webviews send makes no click);
// a mouse or a keyboard press acts on its click, once.
function onPress(element, handler) {
  let pressed = -Infinity;
  element.addEventListener("pointerup", (event) => {
    if (event.pointerType === "mouse" || element.disabled) return;
    pressed = event.timeStamp;
    handler(event);
  });
  element.addEventListener("click", (event) => {
    if (event.timeStamp - pressed < 800) return;
    handler(event);
  });
}

// --- the plan: a frame, and in it a stage (the image and its pins) zoomed and moved ----------

const MIN_SCALE = 1;
const MAX_SCALE = 6;
const TAP_SLOP = 8; // CSS px a finger may move and still tap
const PIN_REACH = 24; // CSS px around a pin a tap still opens it

// The stage's top-left corner in the frame (px) and its scale; the frame is the plan's box at 1×.
const zoom = { scale: 1, x: 0, y: 0, width: 0, height: 0, aspect: 1.5 };

function publish() {
  window.__plan = { scale: zoom.scale, x: zoom.x, y: zoom.y };
}

function clampAxis(position, size, frame) {
  if (size <= frame) return (frame - size) / 2;
  return Math.min(0, Math.max(frame - size, position));
}

function applyZoom() {
  zoom.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, zoom.scale));
  zoom.x = clampAxis(zoom.x, zoom.width * zoom.scale, zoom.width);
  zoom.y = clampAxis(zoom.y, zoom.height * zoom.scale, zoom.height);
  const stage = $("plan-stage");
  stage.style.transform = "translate(" + zoom.x + "px, " + zoom.y + "px) scale(" + zoom.scale + ")";
  // Pins keep their size on screen whatever the zoom.
  stage.style.setProperty("--pin-scale", String(1 / zoom.scale));
  $("zoom-in").disabled = zoom.scale >= MAX_SCALE - 1e-6;
  $("zoom-out").disabled = zoom.scale <= MIN_SCALE + 1e-6;
  $("zoom-reset").disabled = zoom.scale <= MIN_SCALE + 1e-6;
  publish();
}

// Zooms to `scale` keeping the stage's point under (fx, fy) (frame px) where it is.
function zoomAt(fx, fy, scale) {
  const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
  const px = (fx - zoom.x) / zoom.scale;
  const py = (fy - zoom.y) / zoom.scale;
  zoom.scale = next;
  zoom.x = fx - px * next;
  zoom.y = fy - py * next;
  applyZoom();
}

function resetZoom() {
  zoom.scale = 1;
  zoom.x = 0;
  zoom.y = 0;
  applyZoom();
}

// Sizes the frame to the plan: the page's width, or less for a tall plan so that it fits the
// screen. Keeps what is in the middle of the frame there.
const laidOut = { available: 0, tallest: 0, aspect: 0 };

function layoutPlan() {
  const section = $("plan");
  if (section.hidden) return;
  const available = section.clientWidth;
  if (!available) return;
  const tallest = Math.max(200, Math.round(window.innerHeight * 0.62));
  if (available === laidOut.available && tallest === laidOut.tallest && zoom.aspect === laidOut.aspect) return;
  laidOut.available = available;
  laidOut.tallest = tallest;
  laidOut.aspect = zoom.aspect;
  let width = available;
  let height = width / zoom.aspect;
  if (height > tallest) {
    height = tallest;
    width = height * zoom.aspect;
  }
  width = Math.floor(width);
  height = Math.floor(height);
  const centre = zoom.width
    ? [(zoom.width / 2 - zoom.x) / (zoom.width * zoom.scale), (zoom.height / 2 - zoom.y) / (zoom.height * zoom.scale)]
    : [0.5, 0.5];
  const frame = $("plan-frame");
  const stage = $("plan-stage");
  frame.style.width = width + "px";
  frame.style.height = height + "px";
  stage.style.width = width + "px";
  stage.style.height = height + "px";
  zoom.width = width;
  zoom.height = height;
  zoom.x = width / 2 - centre[0] * width * zoom.scale;
  zoom.y = height / 2 - centre[1] * height * zoom.scale;
  applyZoom();
}

function framePoint(clientX, clientY) {
  const frame = $("plan-frame");
  const box = frame.getBoundingClientRect();
  return [clientX - box.left - frame.clientLeft, clientY - box.top - frame.clientTop];
}

// Where a point on screen is on the plan as shown, 0–1 each way (outside it: beyond that).
function planPoint(clientX, clientY) {
  const box = $("plan-image").getBoundingClientRect();
  return [(clientX - box.left) / box.width, (clientY - box.top) / box.height];
}

// Fingers on the plan: one moves it (when zoomed) or taps, two zoom it.
const touch = { pointers: new Map(), gesture: null, tap: null };

function startGesture() {
  const points = Array.from(touch.pointers.values());
  if (points.length === 1) {
    touch.gesture = { kind: "pan", id: points[0].id, from: [points[0].x, points[0].y], x: zoom.x, y: zoom.y };
  } else if (points.length >= 2) {
    const [a, b] = points;
    const mid = framePoint((a.x + b.x) / 2, (a.y + b.y) / 2);
    touch.gesture = {
      kind: "pinch", ids: [a.id, b.id], gap: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)),
      mid, scale: zoom.scale, x: zoom.x, y: zoom.y,
    };
  } else {
    touch.gesture = null;
  }
}

function moveGesture() {
  const gesture = touch.gesture;
  if (!gesture) return;
  if (gesture.kind === "pan") {
    const now = touch.pointers.get(gesture.id);
    if (!now) return;
    zoom.x = gesture.x + (now.x - gesture.from[0]);
    zoom.y = gesture.y + (now.y - gesture.from[1]);
    applyZoom();
  } else {
    const a = touch.pointers.get(gesture.ids[0]);
    const b = touch.pointers.get(gesture.ids[1]);
    if (!a || !b) return;
    const gap = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, gesture.scale * gap / gesture.gap));
    const mid = framePoint((a.x + b.x) / 2, (a.y + b.y) / 2);
    // The point of the plan under the fingers' midpoint when they met stays under it.
    const px = (gesture.mid[0] - gesture.x) / gesture.scale;
    const py = (gesture.mid[1] - gesture.y) / gesture.scale;
    zoom.scale = scale;
    zoom.x = mid[0] - px * scale;
    zoom.y = mid[1] - py * scale;
    applyZoom();
  }
}

function attachGestures() {
  const frame = $("plan-frame");
  frame.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    try { frame.setPointerCapture(event.pointerId); } catch (e) { /* not a live pointer */ }
    touch.pointers.set(event.pointerId, { id: event.pointerId, x: event.clientX, y: event.clientY });
    touch.tap = touch.pointers.size === 1
      ? { id: event.pointerId, x: event.clientX, y: event.clientY }
      : null; // a second finger: a pinch, not a tap, until every finger is lifted
    startGesture();
  });
  frame.addEventListener("pointermove", (event) => {
    const pointer = touch.pointers.get(event.pointerId);
    if (!pointer) return;
    event.preventDefault();
    pointer.x = event.clientX;
    pointer.y = event.clientY;
    if (touch.tap && touch.tap.id === event.pointerId
        && Math.hypot(event.clientX - touch.tap.x, event.clientY - touch.tap.y) >= TAP_SLOP) {
      touch.tap = null;
    }
    moveGesture();
  });
  const lift = (event, cancelled) => {
    if (!touch.pointers.has(event.pointerId)) return;
    touch.pointers.delete(event.pointerId);
    const tap = touch.tap;
    if (tap && tap.id === event.pointerId) {
      touch.tap = null;
      if (!cancelled && Math.hypot(event.clientX - tap.x, event.clientY - tap.y) < TAP_SLOP) {
        tapped(event.clientX, event.clientY);
      }
    }
    startGesture();
  };
  frame.addEventListener("pointerup", (event) => lift(event, false));
  frame.addEventListener("pointercancel", (event) => lift(event, true));
  frame.addEventListener("wheel", (event) => {
    event.preventDefault();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? zoom.height : 1;
    const [fx, fy] = framePoint(event.clientX, event.clientY);
    zoomAt(fx, fy, zoom.scale * Math.exp(-event.deltaY * lines * 0.002));
  }, { passive: false });
  // Safari's own page zoom.
  frame.addEventListener("gesturestart", (event) => event.preventDefault());
  frame.addEventListener("contextmenu", (event) => event.preventDefault());
  const middle = () => [zoom.width / 2, zoom.height / 2];
  onPress($("zoom-in"), () => { const [x, y] = middle(); zoomAt(x, y, zoom.scale * 1.5); });
  onPress($("zoom-out"), () => { const [x, y] = middle(); zoomAt(x, y, zoom.scale / 1.5); });
  onPress($("zoom-reset"), resetZoom);
  window.addEventListener("resize", layoutPlan);
  // The page's width changes without the window's too (a scroll bar coming on a desktop).
  if (window.ResizeObserver) new ResizeObserver(() => requestAnimationFrame(layoutPlan)).observe($("plan"));
  if (tg.onEvent) tg.onEvent("viewportChanged", layoutPlan);
}

function tapped(clientX, clientY) {
  if (!data) return;
  if (data.mode === "place") placeAt(clientX, clientY);
  else if (data.mode === "areas") addCorner(clientX, clientY);
  else openNearest(clientX, clientY);
}

// --- pins ------------------------------------------------------------------------------------

function pinElement(tag, item, classes) {
  const pin = document.createElement(tag);
  if (tag === "button") pin.type = "button";
  pin.className = ["pin"].concat(classes || []).join(" ");
  pin.dataset.id = String(item.id);
  pin.style.setProperty("--pin-colour", colour(item.colour));
  pin.textContent = String(item.number);
  setPinPlace(pin, item.x, item.y);
  return pin;
}

function setPinPlace(pin, x, y) {
  pin.style.left = (x * 100) + "%";
  pin.style.top = (y * 100) + "%";
  pin.dataset.x = String(x);
  pin.dataset.y = String(y);
}

let data = null;
let imageSource = null;

async function loadImage(source) {
  if (source === imageSource) return true;
  const image = $("plan-image");
  const response = await api(source, {});
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    say(answer.message || $("page").dataset.unauthorized, "error");
    return false;
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const loaded = await new Promise((resolve) => {
    image.onload = () => resolve(true);
    image.onerror = () => resolve(false);
    image.src = url;
  });
  if (!loaded) {
    URL.revokeObjectURL(url);
    say($("page").dataset.offline, "error");
    return false;
  }
  imageSource = source;
  // The picture's own proportions, if the API's differ.
  if (image.naturalWidth && image.naturalHeight) {
    const aspect = image.naturalWidth / image.naturalHeight;
    if (Math.abs(aspect - zoom.aspect) > 0.002) {
      zoom.aspect = aspect;
      layoutPlan();
    }
  }
  return true;
}

function showPlan(plan) {
  if (plan.width > 0 && plan.height > 0) zoom.aspect = plan.width / plan.height;
  $("plan-image").classList.toggle("mirrored", !!plan.mirrored);
  $("plan").hidden = false;
  const texts = data.texts || {};
  for (const [id, key] of [["zoom-in", "zoom_in"], ["zoom-out", "zoom_out"], ["zoom-reset", "reset"]]) {
    if (texts[key]) {
      $(id).setAttribute("aria-label", texts[key]);
      $(id).title = texts[key];
    }
  }
  $("zoom-reset").textContent = texts.reset || "1:1";
  layoutPlan();
}

// --- placing one item's pin --------------------------------------------------------------------

const place = { pin: null, saved: null, sending: false };

function round(v) {
  return Math.round(v * 100000) / 100000;
}

function changed() {
  return !!place.pin && (!place.saved || place.pin.x !== place.saved.x || place.pin.y !== place.saved.y);
}

function updateMainButton() {
  if (data && data.mode === "areas") {
    updateAreaButton();
    return;
  }
  if (!data || data.mode !== "place" || !data.editable || !place.pin) {
    tg.MainButton.hide();
    return;
  }
  tg.MainButton.setText(data.texts.save);
  tg.MainButton.show();
  if (changed() && !place.sending) tg.MainButton.enable(); else tg.MainButton.disable();
}

function drawDraft() {
  let pin = $("draft-pin");
  if (!place.pin) {
    if (pin) pin.remove();
    return;
  }
  if (!pin) {
    pin = pinElement("span", Object.assign({}, data.item, place.pin), ["draft"]);
    pin.id = "draft-pin";
    pin.setAttribute("aria-hidden", "true");
    $("pins").appendChild(pin);
  }
  setPinPlace(pin, place.pin.x, place.pin.y);
}

function placeAt(clientX, clientY) {
  if (!data.editable || place.sending) return;
  const [x, y] = planPoint(clientX, clientY);
  if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
  place.pin = { x: round(x), y: round(y) };
  drawDraft();
  say("");
  if (tg.HapticFeedback && tg.HapticFeedback.selectionChanged) tg.HapticFeedback.selectionChanged();
  updateMainButton();
}

async function save() {
  if (data && data.mode === "areas") {
    await saveArea();
    return;
  }
  if (!data || data.mode !== "place" || !data.editable || !changed() || place.sending) return;
  const sent = { x: place.pin.x, y: place.pin.y };
  place.sending = true;
  updateMainButton();
  tg.MainButton.showProgress();
  say(data.texts.saving);
  try {
    const response = await api("api/defects/" + encodeURIComponent(data.item.id) + "/pin", {
      method: "POST",
      body: JSON.stringify(sent),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.outcome === "kept") {
      const kept = answer.pin && typeof answer.pin.x === "number" ? { x: answer.pin.x, y: answer.pin.y } : sent;
      // Moved again while it was being saved: that place is still to save.
      if (place.pin.x === sent.x && place.pin.y === sent.y) place.pin = kept;
      place.saved = kept;
      drawDraft();
      say(answer.message || data.texts.saved, "done");
      if (tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
    } else {
      say(answer.message || data.texts.failed, "error");
    }
  } catch (e) {
    say(data.texts.failed, "error");
  } finally {
    place.sending = false;
    tg.MainButton.hideProgress();
    updateMainButton();
  }
}

function showPlace() {
  const item = data.item;
  $("subject").hidden = false;
  $("subject-pin").textContent = String(item.number);
  $("subject-pin").style.setProperty("--pin-colour", colour(item.colour));
  $("subject-label").textContent = item.label || "";
  $("subject-status").textContent = item.status_label || "";
  $("hint").hidden = false;
  $("hint").textContent = data.editable ? data.texts.hint : (data.texts.locked || "");
  $("plan-frame").classList.toggle("placing", !!data.editable);
  $("plan-frame").setAttribute("aria-label", data.editable ? data.texts.hint : data.title);
  if (data.pin && typeof data.pin.x === "number") {
    place.pin = { x: data.pin.x, y: data.pin.y };
    place.saved = { x: data.pin.x, y: data.pin.y };
  }
  // Where the item's room is, when a supervisor drew it.
  const areas = data.areas || [];
  drawAreas(areas.map((area) => ({ area, classes: ["area", "highlight"] })), null);
  $("room-shaded").hidden = areas.length === 0;
  $("room-shaded-text").textContent = data.texts.room_shaded || "";
  drawDraft();
  updateMainButton();
}

// --- room areas ----------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function pointsOf(corners) {
  return corners.map((c) => round(c.x) + "," + round(c.y)).join(" ");
}

// Draws `shapes` ({ area, classes }) and, when drawing one (`draft`, an array), its corners so far.
function drawAreas(shapes, draft) {
  const svg = $("areas");
  const polygons = shapes.map(({ area, classes }) => {
    const polygon = document.createElementNS(SVG, "polygon");
    polygon.setAttribute("points", pointsOf(area.corners || []));
    polygon.setAttribute("class", classes.join(" "));
    polygon.dataset.id = String(area.id);
    polygon.dataset.room = area.room || "";
    return polygon;
  });
  if (draft && draft.length) {
    const shape = document.createElementNS(SVG, draft.length >= 3 ? "polygon" : "polyline");
    shape.setAttribute("points", pointsOf(draft));
    shape.setAttribute("class", "draft");
    shape.id = "draft-area";
    polygons.push(shape);
  }
  fill(svg, polygons);
  if (!draft) return;
  fill($("pins"), draft.map((c) => {
    const corner = document.createElement("span");
    corner.className = "corner";
    corner.style.left = (c.x * 100) + "%";
    corner.style.top = (c.y * 100) + "%";
    return corner;
  }));
}

const drawing = { corners: [], sending: false };

function chosenRoom() {
  return $("area-room").value;
}

function redrawAreas() {
  const room = chosenRoom();
  drawAreas((data.areas || []).map((area) => ({
    area, classes: area.room === room ? ["area", "chosen"] : ["area"],
  })), drawing.corners);
  $("area-undo").disabled = drawing.corners.length === 0 || drawing.sending;
  updateMainButton();
}

function updateAreaButton() {
  if (drawing.corners.length < 3) {
    tg.MainButton.hide();
    return;
  }
  tg.MainButton.setText(data.texts.save);
  tg.MainButton.show();
  if (!drawing.sending && chosenRoom()) tg.MainButton.enable(); else tg.MainButton.disable();
}

function addCorner(clientX, clientY) {
  if (drawing.sending) return;
  const [x, y] = planPoint(clientX, clientY);
  if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
  drawing.corners.push({ x: round(x), y: round(y) });
  say("");
  if (tg.HapticFeedback && tg.HapticFeedback.selectionChanged) tg.HapticFeedback.selectionChanged();
  redrawAreas();
}

function areasPath() {
  return "api/plans/" + encodeURIComponent(query.get("areas") || "") + "/areas";
}

// Sends a change of the areas; on success they are the list the server gives back.
async function changeAreas(path, options) {
  drawing.sending = true;
  redrawAreas();
  tg.MainButton.showProgress();
  say(data.texts.saving);
  let done = false;
  try {
    const response = await api(path, options);
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.outcome === "done") {
      data.areas = answer.areas || [];
      say(answer.message || "", "done");
      if (tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
      done = true;
    } else {
      say(answer.message || data.texts.failed, "error");
    }
  } catch (e) {
    say(data.texts.failed, "error");
  } finally {
    drawing.sending = false;
    tg.MainButton.hideProgress();
  }
  return done;
}

async function saveArea() {
  if (drawing.sending || drawing.corners.length < 3) return;
  const sent = drawing.corners.slice();
  const done = await changeAreas(areasPath(), {
    method: "POST",
    body: JSON.stringify({ room: chosenRoom(), corners: sent }),
  });
  if (done) drawing.corners = drawing.corners.slice(sent.length);
  showAreaList();
  redrawAreas();
}

async function removeArea(id) {
  if (drawing.sending) return;
  await changeAreas(areasPath() + "/" + encodeURIComponent(id), { method: "DELETE" });
  showAreaList();
  redrawAreas();
}

function showAreaList() {
  const list = $("area-list");
  const areas = data.areas || [];
  fill(list, areas.map((area) => {
    const row = document.createElement("li");
    row.dataset.id = String(area.id);
    row.dataset.room = area.room;
    const name = document.createElement("span");
    name.textContent = area.room_label;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = data.texts.remove;
    onPress(remove, () => removeArea(area.id));
    row.appendChild(name);
    row.appendChild(remove);
    return row;
  }));
  list.hidden = areas.length === 0;
  $("no-areas").hidden = areas.length > 0;
  $("no-areas").textContent = data.texts.none || "";
}

function showAreas() {
  $("hint").hidden = false;
  $("hint").textContent = data.texts.hint || "";
  $("area-tools").hidden = false;
  $("area-room-label").textContent = data.texts.room || "";
  const select = $("area-room");
  const kept = select.value;
  fill(select, (data.rooms || []).map((room) => option(room.code, room.label)));
  if (kept) select.value = kept;
  $("area-undo").textContent = data.texts.undo || "↶";
  $("plan-frame").classList.add("placing");
  $("plan-frame").setAttribute("aria-label", data.texts.hint || data.title);
  showAreaList();
  redrawAreas();
}

// --- every item of a home --------------------------------------------------------------------

const seen = { above: false, loadingAbove: false, open: null };

function allItems() {
  const own = (data.items || []).map((item) => ({ item, above: false }));
  const above = seen.above && data.above ? data.above.items.map((item) => ({ item, above: true })) : [];
  return own.concat(above);
}

function option(value, label) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  return element;
}

// A filter's choices: every one the API lists that some item has, and any other an item has.
function choices(listed, items, code, label) {
  const present = new Map();
  items.forEach(({ item }) => { if (!present.has(item[code])) present.set(item[code], item[label]); });
  const list = (listed || []).filter((c) => present.has(c.code)).map((c) => ({ code: c.code, label: c.label }));
  present.forEach((text, value) => {
    if (!list.some((c) => c.code === value)) list.push({ code: value, label: text || value });
  });
  return list;
}

function buildFilter(select, list) {
  const kept = select.value;
  fill(select, [option("", data.texts.all)].concat(list.map((c) => option(c.code, c.label))));
  select.value = list.some((c) => c.code === kept) ? kept : "";
}

function drawPins() {
  const items = allItems();
  fill($("pins"), items.map(({ item, above }) => {
    const pin = pinElement("button", item, above ? ["above"] : []);
    pin.dataset.status = item.status;
    pin.dataset.category = item.category;
    if (above) pin.dataset.above = "1";
    pin.setAttribute("aria-label", [item.number, item.home, item.room_label, item.category_label, item.status_label]
      .filter((part) => part !== undefined && part !== "").join(" · "));
    // A pin pressed with a keyboard; a finger or mouse is handled by the plan (a tap near it).
    pin.addEventListener("click", (event) => { if (event.detail === 0) openPanel(pin); });
    return pin;
  }));
  $("filters").hidden = items.length === 0;
  buildFilter($("filter-status"), choices(data.statuses, items, "status", "status_label"));
  buildFilter($("filter-kind"), choices(data.categories, items, "category", "category_label"));
  applyFilters();
}

function applyFilters() {
  const status = $("filter-status").value;
  const kind = $("filter-kind").value;
  Array.prototype.forEach.call($("pins").children, (pin) => {
    pin.hidden = (!!status && pin.dataset.status !== status) || (!!kind && pin.dataset.category !== kind);
  });
  const open = seen.open && $("pins").querySelector(".pin.selected");
  if (seen.open && (!open || open.hidden)) closePanel();
}

function itemOf(pin) {
  const list = pin.dataset.above ? (data.above ? data.above.items : []) : data.items;
  return list.find((item) => String(item.id) === pin.dataset.id);
}

function openNearest(clientX, clientY) {
  let best = null;
  let bestDistance = PIN_REACH;
  Array.prototype.forEach.call($("pins").children, (pin) => {
    if (pin.hidden) return;
    const box = pin.getBoundingClientRect();
    const distance = Math.hypot(clientX - (box.left + box.width / 2), clientY - (box.top + box.height / 2));
    if (distance <= bestDistance) {
      best = pin;
      bestDistance = distance;
    }
  });
  if (best) openPanel(best); else closePanel();
}

function openPanel(pin) {
  const item = itemOf(pin);
  if (!item) return;
  Array.prototype.forEach.call($("pins").querySelectorAll(".selected"), (p) => p.classList.remove("selected"));
  pin.classList.add("selected");
  seen.open = item;
  const panel = $("item-panel");
  panel.dataset.id = String(item.id);
  panel.classList.toggle("above", !!pin.dataset.above);
  $("panel-number").textContent = String(item.number);
  $("panel-number").style.setProperty("--pin-colour", colour(item.colour));
  $("panel-home").textContent = item.home || "";
  $("panel-room").textContent = item.room_label || "";
  $("panel-kind").textContent = item.category_label || "";
  $("panel-status-label").textContent = data.texts.status || "";
  $("panel-status").textContent = item.status_label || "";
  $("panel-status").style.setProperty("--pin-colour", colour(item.colour));
  $("panel-note").textContent = item.note || "";
  $("panel-note").hidden = !item.note;
  $("panel-close").textContent = data.texts.close || "×";
  panel.hidden = false;
  document.body.classList.add("with-panel");
}

function closePanel() {
  seen.open = null;
  Array.prototype.forEach.call($("pins").querySelectorAll(".selected"), (p) => p.classList.remove("selected"));
  $("item-panel").hidden = true;
  document.body.classList.remove("with-panel");
}

function showAboveToggle() {
  const button = $("show-above");
  button.hidden = !data.can_show_above;
  button.textContent = data.texts.above || "";
  button.setAttribute("aria-pressed", seen.above ? "true" : "false");
  button.classList.toggle("on", seen.above);
  button.disabled = seen.loadingAbove;
  const legend = $("above-legend");
  legend.hidden = !(seen.above && data.above);
  $("above-home").textContent = data.above ? data.above.home : (data.above_home || "");
}

async function toggleAbove() {
  if (seen.loadingAbove) return;
  if (seen.above) {
    seen.above = false;
  } else if (data.above) {
    seen.above = true;
  } else {
    seen.loadingAbove = true;
    showAboveToggle();
    try {
      const response = await api(viewPath(true), {});
      const answer = await response.json().catch(() => ({}));
      if (response.ok && answer.mode === "view") {
        data = answer;
        seen.above = !!answer.above;
        say("");
      } else {
        say(answer.message || $("page").dataset.unauthorized, "error");
      }
    } catch (e) {
      say($("page").dataset.offline, "error");
    } finally {
      seen.loadingAbove = false;
    }
    await loadImage(data.plan.image);
  }
  showView();
}

function showView() {
  const texts = data.texts;
  $("no-pins").hidden = (data.items || []).length > 0;
  $("no-pins").textContent = texts.no_pins || "";
  const unpinned = Number(data.unpinned) || 0;
  const line = $("unpinned");
  line.hidden = unpinned <= 0;
  if (unpinned > 0) {
    const text = document.createElement("span");
    text.textContent = texts.unpinned || "";
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(unpinned);
    fill(line, String(texts.unpinned || "").indexOf(String(unpinned)) >= 0 ? [text] : [count, text]);
  }
  $("filter-status-label").textContent = texts.status || "";
  $("filter-kind-label").textContent = texts.kind || "";
  $("plan-frame").setAttribute("aria-label", data.title);
  showAboveToggle();
  const open = seen.open;
  drawPins();
  if (open) {
    const pin = Array.prototype.find.call($("pins").children, (p) => p.dataset.id === String(open.id) && !p.hidden);
    if (pin) openPanel(pin); else closePanel();
  }
}

// --- the page ----------------------------------------------------------------------------------

function viewPath(above) {
  const unit = encodeURIComponent(query.get("unit") || "");
  if (query.get("all") === "1") return "api/units/" + unit + "/type-plan-view";
  return "api/units/" + unit + "/plan-view" + (above ? "?above=1" : "");
}

function firstPath() {
  if (query.get("areas")) return areasPath();
  if (query.get("defect")) return "api/defects/" + encodeURIComponent(query.get("defect")) + "/pin";
  if (query.get("unit")) return viewPath(false);
  return null;
}

function show(answer) {
  data = answer;
  if (data.lang) document.documentElement.lang = data.lang;
  document.title = data.title || document.title;
  $("title").textContent = data.title || "";
  document.body.dataset.mode = data.mode;
  showPlan(data.plan);
  if (data.mode === "place") showPlace();
  else if (data.mode === "areas") showAreas();
  else showView();
}

async function start() {
  applyTheme(tg);
  if (tg.onEvent) tg.onEvent("themeChanged", () => applyTheme(tg));
  tg.ready();
  tg.expand();
  // A finger moving the plan must not pull the Mini App down.
  if (tg.disableVerticalSwipes) { try { tg.disableVerticalSwipes(); } catch (e) { /* older client */ } }
  tg.BackButton.show();
  tg.BackButton.onClick(() => tg.close());
  tg.MainButton.onClick(save);
  attachGestures();
  onPress($("panel-close"), closePanel);
  onPress($("show-above"), toggleAbove);
  $("filter-status").addEventListener("change", applyFilters);
  $("filter-kind").addEventListener("change", applyFilters);
  $("area-room").addEventListener("change", () => { if (data) redrawAreas(); });
  onPress($("area-undo"), () => {
    if (drawing.sending || !drawing.corners.length) return;
    drawing.corners.pop();
    redrawAreas();
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closePanel(); });
  publish();
  const page = $("page");
  const path = firstPath();
  if (!path) {
    say(page.dataset.unauthorized, "error");
    page.dataset.state = "failed";
    return;
  }
  try {
    const response = await api(path, {});
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || !answer.plan) {
      say(answer.message || page.dataset.unauthorized, "error");
      page.dataset.state = "failed";
      return;
    }
    show(answer);
    const loaded = await loadImage(answer.plan.image);
    page.dataset.state = loaded ? "ready" : "failed";
  } catch (e) {
    say(page.dataset.offline, "error");
    page.dataset.state = "failed";
  }
}

start();
