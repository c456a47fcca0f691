// The front end of stridekit's Upload widget: a file chooser that checks the files' kinds and
// sizes before sending anything, then sends them to the kernel in chunks (widget messages with
// one binary buffer each), one chunk at a time, each acknowledged by the kernel.
//
// Protocol (every message {type: "upload", batch, event, ...}):
//   browser: begin {files: [{name, size}]}  ->  kernel: ready | refused {message}
//   browser: chunk {file, offset} + bytes   ->  kernel: ack {received} | refused {message}
//   browser: end                            ->  kernel: done {ok, message} | refused {message}
// Messages for the visitor are plain text (textContent), never HTML.

const ANSWER_TIMEOUT_MS = 300000;

function sizeText(bytes) {
  if (bytes < 1024) return bytes + " bytes";
  if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / 1048576).toFixed(1) + " MB";
}

function accepted(name, suffixes) {
  const lower = name.toLowerCase();
  return suffixes.some((suffix) => lower.endsWith(suffix));
}

// The first reason not to send `files`, or null when they may be sent.
function refusal(files, model) {
  const suffixes = model.get("suffixes").map((s) => s.toLowerCase());
  if (!files.length) return "No file was chosen. Choose one or more files to upload.";
  for (const file of files) {
    if (!accepted(file.name, suffixes)) {
      return (
        file.name +
        ": stridekit does not read this kind of file. Upload " +
        model.get("kinds") +
        ". Nothing was sent."
      );
    }
  }
  const cap = model.get("max_bytes");
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > cap) {
    let [size, limit] = [sizeText(total), sizeText(cap)];
    if (size === limit) {
      // rounding would hide the difference
      [size, limit] = [total.toLocaleString("en") + " bytes", cap.toLocaleString("en") + " bytes"];
    }
    const what =
      files.length === 1
        ? files[0].name + " is " + size
        : "these " + files.length + " files are " + size + " together";
    return (
      what +
      ": over the " +
      limit +
      " this server accepts. Nothing was sent. Upload fewer files at a time, or run " +
      "stridekit on your own computer (stridekit serve YOUR_FOLDER) for larger logs."
    );
  }
  return null;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "stridekit-upload-control";
  root.innerHTML =
    '<label class="stridekit-upload-button jupyter-button widget-button" style="display:' +
    'inline-flex;align-items:center;position:relative;cursor:pointer;width:auto;padding:0 1em">' +
    "Choose files…" +
    '<input type="file" multiple style="position:absolute;width:1px;height:1px;opacity:0">' +
    "</label>" +
    '<span class="stridekit-upload-hint" style="margin-left:0.8em;color:#666"></span>' +
    '<div class="stridekit-upload-sending" style="display:none;margin-top:0.4em">' +
    '<progress style="width:100%;max-width:40em"></progress>' +
    '<div class="stridekit-upload-sending-text"></div></div>' +
    '<p class="stridekit-upload-message" role="status" style="margin:0.4em 0"></p>';
  el.appendChild(root);
  const input = root.querySelector("input");
  const label = root.querySelector("label");
  const hint = root.querySelector(".stridekit-upload-hint");
  const sending = root.querySelector(".stridekit-upload-sending");
  const bar = sending.querySelector("progress");
  const sendingText = sending.querySelector(".stridekit-upload-sending-text");
  const message = root.querySelector(".stridekit-upload-message");
  const colours = { error: "#d73027", ok: "#1a9850", info: "inherit" };

  const showMessage = () => {
    message.textContent = model.get("message");
    message.style.color = colours[model.get("message_kind")] || "inherit";
    message.dataset.kind = model.get("message_kind");
  };
  const showHints = () => {
    input.accept = model.get("accept");
    hint.textContent = model.get("hint");
  };
  const say = (text, kind) => {
    model.set("message_kind", kind);
    model.set("message", text);
    model.save_changes();
    showMessage();
  };
  showMessage();
  showHints();
  model.on("change:message", showMessage);
  model.on("change:message_kind", showMessage);
  model.on("change:hint", showHints);

  // answers from the kernel, one outstanding question at a time
  let waiting = null;
  let closed = false;
  const onMessage = (msg) => {
    if (!msg || msg.type !== "upload" || !waiting || msg.batch !== waiting.batch) return;
    const { resolve, reject, timer } = waiting;
    waiting = null;
    clearTimeout(timer);
    if (msg.event === "refused") reject(Object.assign(new Error(msg.message), { quiet: true }));
    else resolve(msg);
  };
  model.on("msg:custom", onMessage);
  const ask = (batch, content, buffers, timeout) =>
    new Promise((resolve, reject) => {
      const timer = timeout
        ? setTimeout(() => {
            waiting = null;
            reject(new Error("The server did not answer. Reload the page and try again."));
          }, timeout)
        : null;
      if (closed) {
        reject(Object.assign(new Error("closed"), { quiet: true }));
        return;
      }
      waiting = { batch, resolve, reject, timer };
      model.send({ type: "upload", batch, ...content }, undefined, buffers || []);
    });

  const setBusy = (busy) => {
    input.disabled = busy;
    label.style.opacity = busy ? "0.5" : "1";
    label.style.pointerEvents = busy ? "none" : "auto";
  };

  async function upload(files) {
    const problem = refusal(files, model);
    if (problem) {
      say(problem, "error");
      return;
    }
    const batch = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    const chunk = Math.max(1024, model.get("chunk_bytes"));
    const total = files.reduce((sum, f) => sum + f.size, 0);
    setBusy(true);
    say("Sending " + files.length + (files.length === 1 ? " file" : " files") + "…", "info");
    sending.style.display = "";
    bar.max = Math.max(total, 1);
    bar.value = 0;
    sending.dataset.sent = "0";
    try {
      const announce = files.map((f) => ({ name: f.name, size: f.size }));
      await ask(batch, { event: "begin", files: announce }, [], ANSWER_TIMEOUT_MS);
      let sent = 0;
      for (let i = 0; i < files.length; i++) {
        const file = files[i];
        for (let offset = 0; offset < file.size; offset += chunk) {
          const bytes = await file.slice(offset, offset + chunk).arrayBuffer();
          await ask(batch, { event: "chunk", file: i, offset }, [bytes], ANSWER_TIMEOUT_MS);
          sent += bytes.byteLength;
          bar.value = sent;
          sending.dataset.sent = String(sent);
          sendingText.textContent =
            "Sent " + sizeText(sent) + " of " + sizeText(total) + " · " + file.name;
        }
      }
      sendingText.textContent = "Sent " + sizeText(total) + ". Reading your files…";
      bar.removeAttribute("value"); // an indeterminate bar while the kernel reads
      await ask(batch, { event: "end" }, [], 0); // the kernel shows its progress
    } catch (error) {
      // the kernel has already said why; anything else is said here, plainly
      if (!error.quiet) say(error.message || "The upload failed. Try again.", "error");
    } finally {
      sending.style.display = "none";
      setBusy(false);
    }
  }

  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = ""; // choosing the same file again is a new upload
    upload(files).catch(() => say("The upload failed. Try again.", "error"));
  });

  return () => {
    // the view is gone (the page was redrawn): stop an upload in progress quietly
    closed = true;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(Object.assign(new Error("closed"), { quiet: true }));
      waiting = null;
    }
    model.off("change:message", showMessage);
    model.off("change:message_kind", showMessage);
    model.off("change:hint", showHints);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
