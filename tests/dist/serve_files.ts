/**
 * A loopback file server for the install.sh tests: serves the files of one directory on
 * 127.0.0.1 (port 0, printed as its first stdout line) and 404 for anything else. It stops itself
 * after LIFETIME_MS in case its test cannot stop it. A process of its own so that it holds only
 * these narrow rights, whatever looop's permission set (which the tests run under) grants.
 * Run: deno run --no-prompt --allow-net=127.0.0.1 --allow-read=<dir> serve_files.ts <dir>
 */
const LIFETIME_MS = 120_000;
const dir = Deno.args[0];

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  const name = decodeURIComponent(new URL(req.url).pathname).replace(/^\/+/, "");
  if (name === "" || name.includes("/") || name.startsWith(".")) return new Response("not found\n", { status: 404 });
  try {
    return new Response(await Deno.readFile(`${dir}/${name}`));
  } catch {
    return new Response("not found\n", { status: 404 });
  }
});
console.log(`http://127.0.0.1:${server.addr.port}`);
setTimeout(() => server.shutdown(), LIFETIME_MS);
await server.finished;
