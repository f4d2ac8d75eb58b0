// A round-robin TCP proxy, the "load balancer" of the multi-host setup: each new connection goes
// to the next backend; a backend that refuses is skipped for that connection (the next one is
// tried), as an L4 balancer with connect-failure retry does. Prints `listening` once up.
//   node proxy.js <listen host> <listen port> <backend host:port> [<backend host:port> ...]
import net from 'node:net';

function main() {
  const [host, port, ...targets] = process.argv.slice(2);
  const backends = targets.map((t) => {
    const [h, p] = t.split(':');
    return { host: h, port: Number(p) };
  });
  if (!host || !port || backends.length === 0) throw new Error('usage: proxy <host> <port> <backend host:port>...');
  let next = 0;
  const server = net.createServer((client) => {
    client.pause();
    const connect = (attempt: number) => {
      const backend = backends[next++ % backends.length];
      const upstream = net.connect(backend.port, backend.host);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.once('error', () => {
        if (!connected && attempt + 1 < backends.length && !client.destroyed) connect(attempt + 1);
        else client.destroy();
      });
      upstream.once('close', () => { if (connected) client.destroy(); });
      client.once('close', () => upstream.destroy());
    };
    client.on('error', () => client.destroy());
    connect(0);
  });
  server.listen(Number(port), host, () => process.stdout.write('listening\n'));
}

main();
