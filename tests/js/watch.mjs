// Follow a platform's live updates with the official socket.io-client, as the guide shows.
//
//   node watch.mjs URL TOKEN [TIMEOUT_SECONDS]
//
// Prints one JSON object per line: {"type": "connect"}, {"type": "video_update", "data": ...},
// {"type": "error", "data": ...}, {"type": "connect_error", "message": ...}. When a video
// finishes (completed or failed), asks for its status with an acknowledgement, prints
// {"type": "ack", "data": ...} and exits 0. A refused connection exits 1, a timeout 2.
import io from "socket.io-client";

const [url, token, timeoutSeconds = "60"] = process.argv.slice(2);
const print = (object) => process.stdout.write(JSON.stringify(object) + "\n");

const socket = io(url, { auth: { token }, reconnection: false });
const timer = setTimeout(() => {
  print({ type: "timeout" });
  process.exit(2);
}, Number(timeoutSeconds) * 1000);

function finish(code) {
  clearTimeout(timer);
  socket.close();
  process.exitCode = code;
}

socket.on("connect", () => print({ type: "connect" }));

socket.on("connect_error", (error) => {
  print({ type: "connect_error", message: error.message });
  finish(1);
});

socket.on("error", (data) => print({ type: "error", data }));

let asked = false;
socket.on("video_update", (data) => {
  print({ type: "video_update", data });
  const status = data.updates.status;
  if (!asked && (status === "completed" || status === "failed")) {
    asked = true;
    socket.emit("request_video_status", { video_id: data.video_id }, (ack) => {
      print({ type: "ack", data: ack });
      finish(0);
    });
  }
});
