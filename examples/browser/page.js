// The page's script: bundled by server.ts with esbuild (platform browser), as a web app would.
import { CURVE, connectWebSocket, curveKeyPair } from 'curvezmq/browser';

const log = (line) => {
  document.getElementById('log').textContent += `${line}\n`;
};

// The server's public key is not a secret: the page gets it with the page.
const { serverKey } = await (await fetch('config.json')).json();
// A key pair of this page's own; a real app would keep it (IndexedDB) to stay the same client.
const keys = curveKeyPair();
log(`my public key: ${keys.publicKey}`);

const channel = connectWebSocket({
  url: new URL('curve', location.href.replace(/^http/, 'ws')).href,
  mechanism: CURVE,
  mechanismOptions: { secretKey: keys.secretKey, serverKey },
});
channel.on('message', (parts) => {
  const text = parts.map((part) => new TextDecoder().decode(part)).join(' | ');
  log(`received: ${text}`);
  document.body.dataset.reply = text; // what the example's test waits for
});
channel.on('error', (error) => log(`error: ${error.code} ${error.message}`));
try {
  const server = await channel.handshake;
  log(`handshake done, the server is ${server.publicKeyZ85}`);
  channel.send(['hello', 'from the page']);
} catch (error) {
  log(`refused: ${error.code} ${error.message}`);
}
