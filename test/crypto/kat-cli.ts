/**
 * Runs {@link runKnownAnswers} on the backend named in argv[2] and prints the report as JSON.
 * Started by `vectors.test.ts` in a plain Node process (see `kat.ts` for why).
 */
import { useCryptoBackend, type BackendName } from '../../src/crypto';
import { runKnownAnswers } from './kat';

useCryptoBackend(process.argv[2] as BackendName);
process.stdout.write(JSON.stringify(runKnownAnswers()));
