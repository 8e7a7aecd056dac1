// The test app (test/fixtures/apps/app.mjs), unchanged, made to listen on 127.0.0.1
// only: node:cluster and PM2 have no bind-address setting, and the app calls
// server.listen(PORT). baton is given the same app with --listen 127.0.0.1:PORT.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [port, host] = args;
  const portOnly = (typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port))) && typeof host !== 'string';
  return portOnly ? listen.call(this, Number(port), '127.0.0.1', ...args.slice(1)) : listen.apply(this, args);
};

await import('../../test/fixtures/apps/app.mjs');
