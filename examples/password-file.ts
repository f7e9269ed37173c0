import { writeFile } from 'node:fs/promises';
import { passwordFile, PLAIN } from 'curvezmq';
import { ZeroMqClient, ZeroMqServer } from 'curvezmq/zeromq';

export async function main(): Promise<string> {
  await writeFile('passwords', '# user=password\nadmin=secret\n', { mode: 0o600 });
  const server = new ZeroMqServer({
    mechanism: PLAIN,
    authorizer: passwordFile('passwords'), // re-read when its contents change
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');

  const login = async (password: string) => {
    const client = new ZeroMqClient({ mechanism: PLAIN, mechanismOptions: { username: 'admin', password } });
    const outcome = await client.connect(endpoint).then(
      () => 'in',
      (error) => `${error.code} ${error.status}`,
    );
    await client.close();
    return outcome;
  };
  const results = [await login('secret'), await login('wrong')];
  await server.close();
  return results.join(', ');
}

if (require.main === module) main().then(console.log);
