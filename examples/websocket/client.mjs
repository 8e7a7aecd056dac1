// Connects to the example server, says which worker serves it, and reconnects when the
// server closes it: at once after 1012 (service restart), after a second otherwise.
import WebSocket from 'ws';

const url = process.argv[2] ?? 'ws://127.0.0.1:3000/';
const connect = () => {
  const ws = new WebSocket(url);
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.hello) console.log(`connected to pid ${message.hello.pid}, generation ${message.hello.generation}`);
  });
  ws.on('error', (err) => console.log(`error: ${err.message}`));
  ws.on('close', (code) => {
    console.log(`closed with ${code}`);
    setTimeout(connect, code === 1012 ? 0 : 1000);
  });
};
connect();
