// A WebSocket echo server (npm ws) next to plain HTTP on one port, ready for baton's
// reloads and upgrades: when its worker starts draining, it closes every WebSocket with
// 1012 (service restart), and clients reconnect at once to a worker of the new generation.
// Without the hook, a draining worker would keep its WebSockets until --drain-timeout.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { onDrain } from 'baton-supervisor/worker'; // never fires outside baton

const generation = process.env.BATON_GENERATION ?? 'standalone';
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, generation }) + '\n');
});
const wss = new WebSocketServer({ server });

let draining = false;
wss.on('connection', (ws) => {
  // A handshake that finished after the drain began: send it on its way too.
  if (draining) return ws.close(1012, 'service restart');
  ws.send(JSON.stringify({ hello: { pid: process.pid, generation } }));
  ws.on('message', (data) => ws.send(data));
});

onDrain(({ deadline }) => {
  draining = true;
  console.log(`draining: closing ${wss.clients.size} WebSockets (deadline ${deadline.toISOString()})`);
  for (const ws of wss.clients) ws.close(1012, 'service restart');
});

server.listen(Number(process.env.PORT ?? 3000));
