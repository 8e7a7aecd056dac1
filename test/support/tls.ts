// A throwaway self-signed certificate for 127.0.0.1 and localhost, made with Debian's
// openssl into a test's temp dir: no key or certificate is ever committed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}

/** Writes key.pem and cert.pem (valid one day) into `dir`. */
export function selfSignedCert(dir: string): TestCert {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 },
  );
  return { keyPath, certPath, key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
