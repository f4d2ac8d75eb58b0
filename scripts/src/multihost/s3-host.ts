// The services host's object store: s3rver (an S3 protocol server) on a given address, files in a
// given folder, one bucket. Prints `listening` once up.
//   node s3-host.js <host> <port> <directory> <bucket>
import S3rver from 's3rver';

async function main() {
  const [address, port, directory, bucket] = process.argv.slice(2);
  const server = new S3rver({ address, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }] });
  await server.run();
  process.stdout.write('listening\n');
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
