import * as root from '../../index';

describe('package root', () => {
  it('exports the trust layer beside the core', () => {
    const names = ['certStore', 'CertStore', 'loadCertificate', 'saveCertificate', 'createCertificate', 'passwordFile', 'allowAny', 'allowKeys', 'firstMatch', 'allOf', 'allowAddresses', 'denyAddresses', 'TrustError'] as const;
    for (const name of names) expect([name, typeof root[name]]).toEqual([name, 'function']);
    expect(typeof root.z85Encode).toBe('function');
  });
});
