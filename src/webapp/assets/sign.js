// The signing page: shows a handover record, takes a drawn signature and sends it. Every word
// on it comes from the server in the reader's language; the login is the Telegram client's
// initData, sent with every request.
"use strict";

const tg = webApp();
const $ = (id) => document.getElementById(id);
const record = new URLSearchParams(location.search).get("record") || "";
const language = (tg.initDataUnsafe && tg.initDataUnsafe.user && tg.initDataUnsafe.user.language_code)
  || navigator.language || "";


function api(path, options) {
  const headers = Object.assign({
    "Authorization": "tma " + tg.initData,
    "Accept-Language": language,
  }, options && options.body ? { "Content-Type": "application/json" } : {});
  return fetch("api/records/" + encodeURIComponent(record) + path, Object.assign({ headers }, options));
}

function say(text, kind) {
  const status = $("status");
  status.textContent = text || "";
  status.className = kind || "";
}

// --- the drawing surface -------------------------------------------------------------------

const pad = { strokes: [], current: null, width: 0, height: 0 };

function sizePad() {
  const canvas = $("pad");
  const box = canvas.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;
  pad.width = box.width;
  pad.height = box.height;
  canvas.width = Math.round(box.width * ratio);
  canvas.height = Math.round(box.height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  redraw();
}

function redraw() {
  const canvas = $("pad");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, pad.width, pad.height);
  context.lineCap = "round";
  context.lineJoin = "round";
  context.lineWidth = 2.5;
  context.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue("--text").trim() || "#000";
  for (const stroke of pad.strokes.concat(pad.current ? [pad.current] : [])) {
    context.beginPath();
    stroke.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
    if (stroke.length === 1) context.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
    context.stroke();
  }
  $("pad-frame").classList.toggle("inked", pad.strokes.length > 0 || !!pad.current);
  $("undo").disabled = pad.strokes.length === 0;
  $("clear").disabled = pad.strokes.length === 0;
  updateMainButton();
}

function point(event) {
  const box = $("pad").getBoundingClientRect();
  return [Math.round((event.clientX - box.left) * 10) / 10, Math.round((event.clientY - box.top) * 10) / 10];
}

function attachPad() {
  const canvas = $("pad");
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    pad.current = [point(event)];
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!pad.current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) pad.current.push(point(e));
    redraw();
  });
  const end = () => {
    if (!pad.current) return;
    pad.strokes.push(pad.current);
    pad.current = null;
    redraw();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  $("undo").addEventListener("click", () => { pad.strokes.pop(); redraw(); });
  $("clear").addEventListener("click", () => { pad.strokes = []; redraw(); });
  $("read").addEventListener("change", updateMainButton);
  window.addEventListener("resize", () => {
    // Keep the strokes where they were drawn: scale them to the new size.
    const oldWidth = pad.width, oldHeight = pad.height;
    sizePad();
    if (oldWidth && oldHeight && (oldWidth !== pad.width || oldHeight !== pad.height)) {
      pad.strokes = pad.strokes.map((s) => s.map(([x, y]) => [x * pad.width / oldWidth, y * pad.height / oldHeight]));
      redraw();
    }
  });
}

// --- the page ------------------------------------------------------------------------------

let view = null;
let sending = false;

function ready() {
  return view && view.state === "ready" && !sending && pad.strokes.length > 0 && $("read").checked;
}

function updateMainButton() {
  if (!view || view.state !== "ready") return;
  tg.MainButton.setText(view.texts.sign);
  tg.MainButton.show();
  if (ready()) tg.MainButton.enable(); else tg.MainButton.disable();
}

function show(data) {
  view = data;
  document.documentElement.lang = data.lang;
  document.title = data.title;
  $("title").textContent = data.title;
  const list = $("record");
  list.replaceChildren(...data.record.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
  $("notice").hidden = !data.notice;
  $("notice").textContent = data.notice || "";
  const signing = data.state === "ready";
  $("signing").hidden = !signing;
  if (signing) {
    $("pad").setAttribute("aria-label", data.texts.draw_here);
    $("pad-hint").textContent = data.texts.draw_here;
    $("undo").textContent = data.texts.undo;
    $("clear").textContent = data.texts.clear;
    $("read-text").textContent = data.texts.read;
    sizePad();
    updateMainButton();
  } else {
    tg.MainButton.hide();
  }
}

async function send() {
  if (!view || view.state !== "ready") return;
  if (pad.strokes.length === 0 || !$("read").checked) return;
  sending = true;
  tg.MainButton.showProgress();
  say(view.texts.sending);
  try {
    const response = await api("/signature", {
      method: "POST",
      body: JSON.stringify({ width: pad.width, height: pad.height, strokes: pad.strokes }),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.outcome === "kept") {
      view.state = "signed";
      $("signing").hidden = true;
      tg.MainButton.hideProgress();
      tg.MainButton.hide();
      say(answer.message, "done");
      if (tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
    } else {
      say(answer.message || view.texts.failed, "error");
      tg.MainButton.hideProgress();
    }
  } catch (e) {
    say(view.texts.failed, "error");
    tg.MainButton.hideProgress();
  } finally {
    sending = false;
    updateMainButton();
  }
}

async function start() {
  applyTheme(tg);
  if (tg.onEvent) tg.onEvent("themeChanged", () => { applyTheme(tg); redraw(); });
  tg.ready();
  tg.expand();
  tg.BackButton.show();
  tg.BackButton.onClick(() => tg.close());
  tg.MainButton.onClick(send);
  attachPad();
  try {
    const response = await api("", {});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(data.message || document.getElementById("page").dataset.unauthorized, "error");
      return;
    }
    show(data);
  } catch (e) {
    say(document.getElementById("page").dataset.offline, "error");
  }
}

start();
