// The certificate for TLS termination: HTTPS ends at the proxy, plain HTTP goes on behind it.
//
// The lesson ships a long-lived test certificate for `localhost` and 127.0.0.1, signed by a
// throwaway lab CA whose private key was deleted after signing (so trusting lab-ca.pem trusts
// this one certificate and nothing else). The CA certificate is copied into the learner's
// workspace, so `curl --cacert <workspace>/lab-ca.pem https://127.0.0.1:…` verifies properly.
// Without shipped files, a self-signed certificate is made with openssl in the lab's run folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeInsideSync } from '../lib/safe-path.mjs';

/** @returns {{ key: Buffer, cert: Buffer, caFile: string }} */
export function loadCertificate({ tlsDir, runDir, workspace }) {
  let dir = tlsDir;
  let caName = 'lab-ca.pem';
  if (!existsSync(join(dir, 'proxy-cert.pem'))) {
    dir = runDir;
    caName = 'proxy-cert.pem'; // self-signed: the certificate is its own CA
    generateSelfSigned(dir);
  }
  mkdirSync(workspace, { recursive: true });
  const caFile = join(workspace, 'lab-ca.pem');
  try {
    // By the safe-path rule: a lab-ca.pem in the workspace that is a link is not written through.
    writeInsideSync(workspace, 'lab-ca.pem', readFileSync(join(dir, caName)));
  } catch (error) {
    console.log(`could not put lab-ca.pem in the workspace (${error.code ?? error.message})`);
  }
  return { key: readFileSync(join(dir, 'proxy-key.pem')), cert: readFileSync(join(dir, 'proxy-cert.pem')), caFile };
}

function generateSelfSigned(dir) {
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'proxy-key.pem'),
      '-out',
      join(dir, 'proxy-cert.pem'),
      '-days',
      '3650',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}
