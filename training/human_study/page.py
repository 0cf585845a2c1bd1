"""The study page: one HTML file, its style sheet and its script (no inline script: the server's
Content-Security-Policy allows scripts from itself only). The page never sees a file name or
a method: it gets picture URLs for the current trial and, in practice trials only, feedback."""

from __future__ import annotations

HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="favicon.ico?t=__TOKEN__">
<title>Real or generated?</title>
<link rel="stylesheet" href="app.css?t=__TOKEN__">
<script src="app.js?t=__TOKEN__" defer></script>
</head>
<body>
<main>
  <header><h1>Real or generated?</h1><p id="progress" aria-live="polite"></p></header>

  <section id="intro" class="card">
    <p>You will see pictures of anime characters __WHAT__, each for about <b id="seconds">1 second</b>.
    Some were coloured by people; the others were coloured by a computer program from the line art.</p>
    <p id="ask-single">When a picture disappears, say whether you think it was <b>real</b>
    (coloured by a person) or <b>generated</b>.</p>
    <p id="ask-pair">When the pictures disappear, say which one was <b>real</b> (coloured by a person);
    the other was generated.</p>
    <p>The first <b id="n-practice">few</b> trials are practice and tell you whether you were right; after that
    there is no feedback (<b id="n-blind">some</b> trials). Answer by instinct; there is no time limit for
    answering. Keys: <kbd id="key-a">R</kbd> / <kbd id="key-b">G</kbd>.</p>
    <label class="field">Participant id <input id="participant" autocomplete="off" maxlength="64"
      placeholder="e.g. P07 (no names)"></label>
    <label class="check"><input type="checkbox" id="consent"> I agree to take part. My answers, their
    timing and the id above are stored on this computer for this study; I may stop at any time.</label>
    <button id="start" disabled>Start</button>
    <p id="error" class="error" role="alert"></p>
  </section>

  <section id="trial" hidden>
    <div id="stage" class="stage"></div>
    <div id="question" class="question" hidden>
      <p id="question-text"></p>
      <div class="buttons" id="buttons"></div>
    </div>
    <p id="feedback" class="feedback" aria-live="polite"></p>
  </section>

  <section id="done" class="card" hidden>
    <h2>Thank you!</h2>
    <p>All <b id="n-done">0</b> answers are saved. You can close this page.</p>
  </section>
</main>
</body>
</html>
"""

CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #eceef1; color: #1d232b;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 40px; }
header { display: flex; align-items: baseline; justify-content: space-between; margin-bottom: 16px; }
h1 { font-size: 22px; font-weight: 600; margin: 0; }
#progress { margin: 0; color: #5b6573; font-variant-numeric: tabular-nums; }
.card { background: #fff; border-radius: 10px; padding: 22px 26px;
  box-shadow: 0 1px 3px rgba(20, 30, 40, .12); max-width: 640px; margin: 0 auto; }
.card p { margin: 0 0 12px; }
.card > :last-child { margin-bottom: 0; }
.field { display: block; margin: 18px 0 10px; font-weight: 500; }
.field input { display: block; width: 100%; margin-top: 6px; padding: 8px 10px; font: inherit;
  border: 1px solid #b9c0ca; border-radius: 6px; }
.check { display: flex; gap: 10px; align-items: flex-start; margin: 10px 0 18px; color: #3a4350; }
.check input { margin-top: 5px; }
kbd { border: 1px solid #b9c0ca; border-bottom-width: 2px; border-radius: 4px; padding: 0 5px;
  font-size: 13px; background: #f6f7f9; }
button { font: inherit; font-weight: 600; padding: 10px 26px; border: 0; border-radius: 8px;
  background: #2f6fde; color: #fff; cursor: pointer; min-width: 150px; }
button:disabled { background: #a9b4c4; cursor: default; }
button:focus-visible { outline: 3px solid #9cc0ff; outline-offset: 2px; }
.stage { display: flex; gap: 24px; justify-content: center; align-items: center; min-height: 532px; }
.frame { width: 512px; height: 512px; display: flex; align-items: center; justify-content: center;
  background: #dfe2e7; border-radius: 8px; overflow: hidden; }
.pair .frame { width: 440px; height: 440px; }
.frame img { max-width: 100%; max-height: 100%; display: block; }
.frame .label { color: #6b7482; font-size: 14px; }
.question { text-align: center; margin-top: 4px; }
.question p { font-size: 19px; font-weight: 500; margin: 0 0 14px; }
.buttons { display: flex; gap: 18px; justify-content: center; }
.feedback { text-align: center; min-height: 28px; margin: 14px 0 0; font-weight: 600; }
.feedback.right { color: #1c7c3c; } .feedback.wrong { color: #b3261e; }
.error { color: #b3261e; margin: 12px 0 0; }
.error:empty { display: none; }
"""

JS = r"""
"use strict";
const TOKEN = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
const state = { session: null, info: null, trial: null, shownAt: 0, busy: false };
const LABELS = { single: [["real", "Real", "r"], ["generated", "Generated", "g"]],
                 pair: [["left", "Left is real", "arrowleft"], ["right", "Right is real", "arrowright"]] };

const withToken = (path) => path + (path.includes("?") ? "&" : "?") + "t=" + encodeURIComponent(TOKEN);

async function api(path, body) {
  const url = withToken(path);
  const opts = body ? { method: "POST", headers: { "Content-Type": "application/json" },
                        body: JSON.stringify(body) } : {};
  const r = await fetch(url, opts);
  const data = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
  return data;
}
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const painted = () => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));

function frame(child) {
  const f = document.createElement("div");
  f.className = "frame";
  if (child) f.appendChild(child);
  return f;
}

async function loadImage(url) {
  const img = new Image();
  img.alt = "";
  img.src = withToken(url);
  await img.decode();
  return img;
}

function progress() {
  const i = state.info, t = state.trial;
  if (!t) { $("progress").textContent = ""; return; }
  const phase = t.phase === "practice" ? "practice " + (t.index + 1) + " of " + i.n_practice
                                        : "trial " + (t.index - i.n_practice + 1) + " of " + i.n_blind;
  $("progress").textContent = phase.charAt(0).toUpperCase() + phase.slice(1);
}

async function next() {
  const t = await api("api/trial?s=" + encodeURIComponent(state.session));
  if (t.done) { return finish(t.answered); }
  state.trial = t;
  progress();
  const imgs = await Promise.all(t.images.map(loadImage));
  const stage = $("stage");
  stage.className = "stage" + (imgs.length > 1 ? " pair" : "");
  stage.replaceChildren(...imgs.map(frame));
  $("question").hidden = true;
  $("feedback").textContent = "";
  await painted();
  await sleep(state.info.seconds * 1000);
  stage.replaceChildren(...imgs.map(() => frame(null)));
  $("question").hidden = false;
  state.shownAt = performance.now();
  state.busy = false;
}

async function answer(value) {
  if (state.busy || $("question").hidden) return;
  state.busy = true;
  const ms = Math.max(0, Math.round(performance.now() - state.shownAt));
  try {
    const r = await api("api/answer", { session: state.session, index: state.trial.index, answer: value, ms });
    $("question").hidden = true;
    const fb = $("feedback");
    if (r.feedback) {
      fb.textContent = r.feedback;
      fb.className = "feedback " + (r.correct ? "right" : "wrong");
      await sleep(1400);
    } else {
      fb.textContent = "";
      await sleep(400);
    }
  } catch (e) {
    $("feedback").className = "feedback wrong";
    $("feedback").textContent = "Could not save the answer: " + e.message;
    state.busy = false;
    return;
  }
  await next().catch(failed);
}

function failed(e) {
  $("feedback").className = "feedback wrong";
  $("feedback").textContent = "Could not load the next trial (" + e.message + "); reload the page to go on.";
}

function finish(n) {
  $("trial").hidden = true;
  $("done").hidden = false;
  $("n-done").textContent = String(n);
  $("progress").textContent = "Finished";
}

async function start() {
  $("start").disabled = true;
  $("error").textContent = "";
  try {
    const r = await api("api/start", { participant: $("participant").value.trim() });
    state.session = r.session;
    state.info = r;
    $("intro").hidden = true;
    $("trial").hidden = false;
  } catch (e) {
    $("error").textContent = e.message;
    $("start").disabled = !$("consent").checked;
    return;
  }
  await next().catch(failed);
}

async function init() {
  const info = await api("api/info");
  state.info = info;
  const labels = LABELS[info.mode];
  $("seconds").textContent = info.seconds + (info.seconds === 1 ? "\u00a0second" : "\u00a0seconds");
  $("n-practice").textContent = String(info.n_practice);
  $("n-blind").textContent = String(info.n_blind);
  $("ask-single").hidden = info.mode !== "single";
  $("ask-pair").hidden = info.mode !== "pair";
  $("key-a").textContent = info.mode === "pair" ? "\u2190" : "R";
  $("key-b").textContent = info.mode === "pair" ? "\u2192" : "G";
  $("question-text").textContent = info.mode === "pair" ? "Which one was real?" : "Real or generated?";
  $("buttons").replaceChildren(...labels.map(([value, text]) => {
    const b = document.createElement("button");
    b.id = "answer-" + value;
    b.textContent = text;
    b.addEventListener("click", () => answer(value));
    return b;
  }));
  const p = new URLSearchParams(location.search).get("p");
  if (p) $("participant").value = p;
  $("consent").addEventListener("change", () => { $("start").disabled = !$("consent").checked; });
  $("start").addEventListener("click", start);
  document.addEventListener("keydown", (ev) => {
    const hit = labels.find(([, , key]) => key === ev.key.toLowerCase());
    if (hit && !$("trial").hidden) { ev.preventDefault(); answer(hit[0]); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((e) => { $("error").textContent = "Cannot reach the study server: " + e.message; });
});
"""


def html(token: str, mode: str) -> str:
    """The page, with the (URL-safe) token in its asset URLs."""
    what = "two at a time, side by side" if mode == "pair" else "one at a time"
    return HTML.replace("__TOKEN__", token).replace("__WHAT__", what)
