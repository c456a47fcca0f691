// The front end of stridekit's Chart widget: draws a plotly figure with Plotly.react, and
// redraws it in place when the kernel sends a new one.
//
// plotly.js is not bundled here, so it is not sent over the kernel's websocket with every
// page. It comes, in order of preference, shared by every chart on the page, from:
//   1. window.Plotly, when the page already has it;
//   2. <baseUrl>voila/static/plotly.min.js: `stridekit serve` serves the installed plotly's
//      own copy there, and Binder's postBuild puts one there;
//   3. the kernel, which sends plotly.min.js once in a widget message (works anywhere,
//      JupyterLab included, at the cost of one 4.8 MB message).
const FROM_URL = "__stridekitPlotlyFromUrl";
const LOADING = "__stridekitPlotlyLoading";

function baseUrl() {
  try {
    const config = document.getElementById("jupyter-config-data");
    const base = config && JSON.parse(config.textContent).baseUrl;
    if (base) return base.endsWith("/") ? base : base + "/";
  } catch (error) {
    // not a Jupyter page: fall through
  }
  return "/";
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () =>
      window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly in " + src));
    script.onerror = () => {
      script.remove();
      reject(new Error("could not load " + src));
    };
    document.head.appendChild(script);
  });
}

function plotlyFromUrl() {
  if (!window[FROM_URL]) {
    window[FROM_URL] = loadScript(baseUrl() + "voila/static/plotly.min.js").catch(() => null);
  }
  return window[FROM_URL];
}

function plotlyFromKernel(model) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off("msg:custom", onMessage);
      reject(new Error("the kernel did not send plotly.js"));
    }, 60000);
    function onMessage(message, buffers) {
      if (!message || message.type !== "plotly-js") return;
      clearTimeout(timer);
      model.off("msg:custom", onMessage);
      if (!buffers || !buffers.length) {
        reject(new Error(message.error || "no plotly.js"));
        return;
      }
      const url = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
      loadScript(url).then(resolve, reject).finally(() => URL.revokeObjectURL(url));
    }
    model.on("msg:custom", onMessage);
    model.send({ type: "plotly-js" });
  });
}

function getPlotly(model) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window[LOADING]) {
    window[LOADING] = plotlyFromUrl()
      .then((Plotly) => Plotly || window.Plotly || plotlyFromKernel(model))
      .catch((error) => {
        delete window[LOADING]; // let a later chart try again
        throw error;
      });
  }
  return window[LOADING];
}

// Start fetching plotly.js as soon as the module is evaluated, before the first render.
if (!window.Plotly) plotlyFromUrl();

// plotly hides a tick label that would stick out of the chart, but it measures every label
// again for each label it places (n² measurements: a third of the JavaScript time of a date
// change on the five-year log). The charts let the labels overflow (`ticklabeloverflow:
// "allow"`, set in their template so that every axis gets it) and hide those that stick out
// here, measuring each label once: the intervals dashboard's date change went from 172 to
// 150 ms (medians of three alternating runs of 12).
function allowingLabelOverflow(layout) {
  const template = layout.template || {};
  const own = template.layout || {};
  const allow = (axis) => ({ ticklabeloverflow: "allow", ...(axis || {}) });
  return {
    ...layout,
    template: { ...template, layout: { ...own, xaxis: allow(own.xaxis), yaxis: allow(own.yaxis) } },
  };
}

function hideOverflowingLabels(div) {
  const svg = div.querySelector(".main-svg"); // the chart's own size, not its box's
  const box = svg && svg.getBoundingClientRect();
  if (!box || !box.width) return; // not laid out (a hidden tab): done again when it is drawn
  const labels = div.querySelectorAll(".xaxislayer-above text, .yaxislayer-above text");
  // every label measured before any is hidden: a measure after a change lays out again
  const out = [...labels].filter((text) => {
    const label = text.getBoundingClientRect();
    return (
      label.width > 0 &&
      (label.left < box.left - 1 ||
        label.right > box.right + 1 ||
        label.top < box.top - 1 ||
        label.bottom > box.bottom + 1)
    );
  });
  for (const text of out) text.style.display = "none";
}

async function render({ model, el }) {
  const div = document.createElement("div");
  div.className = "stridekit-plot";
  // The chart's own size, layout and paint: plotly's reads of sizes while it redraws lay out
  // this box only, not the whole page (a date change redrew about 10 % faster).
  div.style.contain = "strict";
  el.appendChild(div);
  let Plotly;
  try {
    Plotly = await getPlotly(model);
  } catch (error) {
    div.textContent = "This chart cannot be drawn: plotly.js could not be loaded.";
    return;
  }
  const draw = () => {
    const figure = JSON.parse(model.get("spec_json") || "{}");
    const layout = allowingLabelOverflow(figure.layout || {});
    // A definite height (the figure's, else plotly's default) for the responsive chart to
    // fill: without one, plotly sizes a redrawn chart to 100% of a box with no height of
    // its own, and the chart collapses to nothing, the charts below sliding up under it.
    div.style.height = (layout.height || 450) + "px";
    return Plotly.react(div, figure.data || [], layout, figure.config || {});
  };
  Promise.resolve(draw()).then(() => {
    hideOverflowingLabels(div);
    // every later draw, zoom and resize ends in plotly_afterplot
    div.on("plotly_afterplot", () => hideOverflowingLabels(div));
  });
  // A new figure is drawn at once when any of the chart is in view, and otherwise when it
  // comes into view: a control change redraws the charts the runner sees, not every chart
  // below the fold and in the overview's hidden tabs (tens of milliseconds each).
  let visible = false;
  let stale = false;
  const seen = new IntersectionObserver((entries) => {
    visible = entries[entries.length - 1].isIntersecting;
    if (visible && stale) {
      stale = false;
      draw();
    }
  });
  seen.observe(div);
  const changed = () => {
    if (visible) draw();
    else stale = true;
  };
  model.on("change:spec_json", changed);
  // A chart drawn before it is laid out (in a tab opened later, on a page rebuilt after an
  // upload) gets plotly's default 700 px: fit it to its box whenever the box's width changes.
  let width = 0;
  let pending = 0;
  const observer = new ResizeObserver((entries) => {
    const now = Math.round(entries[entries.length - 1].contentRect.width);
    if (!now || now === width) return;
    width = now;
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      if (div.isConnected && div._fullLayout) Plotly.Plots.resize(div);
    });
  });
  observer.observe(div);
  return () => {
    observer.disconnect();
    seen.disconnect();
    cancelAnimationFrame(pending);
    model.off("change:spec_json", changed);
    Plotly.purge(div);
  };
}

export default { render };
