// A socket.io server ready for baton's reloads and upgrades. When its worker starts
// draining it closes every connection once what was emitted on it has been written; the
// client sees "transport close" and reconnects by itself, to a worker of the new
// generation. Only the WebSocket transport is offered: with several workers and no sticky
// sessions, long-polling requests of one client would reach different workers.
import http from 'node:http';
import { Server } from 'socket.io';
import { onDrain } from 'baton-supervisor/worker'; // never fires outside baton

const generation = process.env.BATON_GENERATION ?? 'standalone';
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, generation }) + '\n');
});
const io = new Server(server, { transports: ['websocket'] });

let draining = false;
io.on('connection', (socket) => {
  if (draining) return socket.conn.close();
  socket.emit('hello', { pid: process.pid, generation });
  socket.on('chat', (text) => io.emit('chat', { from: process.pid, text }));
});

onDrain(() => {
  draining = true;
  // conn.close() (engine.io) waits until the connection's queued packets are written.
  // Not io.close(): it also closes the HTTP server, which cuts idle keep-alive connections.
  // Not socket.disconnect(): the client would take it as final and not reconnect.
  for (const conn of Object.values(io.engine.clients)) conn.close();
});

server.listen(Number(process.env.PORT ?? 3000));
