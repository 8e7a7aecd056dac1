// An ordinary HTTP server, unmodified for baton: it listens on PORT (baton sets it)
// and answers with who served the request.
import http from 'node:http';

const release = process.env.BATON_GENERATION ?? 'standalone';

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pid: process.pid, generation: release, node: process.version, url: req.url }) + '\n');
});

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`hello: listening on ${JSON.stringify(server.address())}`);
});
