/**
 * The authorizer over a {@link CertStore}: zauth's `CURVE <directory>`.
 *
 * @module
 */
import { allow, deny, type Authorizer } from '../auth';
import { Metadata } from '../codec/metadata';
import type { Certificate } from './certificate';
import { CertStore, type CertStoreOptions } from './cert-store';

/** Options of {@link certStore}. */
export interface CertStoreAuthorizerOptions extends CertStoreOptions {
  /** The user id of an allowed client (default: its public key in Z85, as zauth gives). */
  readonly userId?: (certificate: Certificate) => string;
}

/** An authorizer that also exposes the store it reads. */
export type CertStoreAuthorizer = Authorizer & { readonly store: CertStore };

/**
 * Lets in CURVE clients whose public key is in a certificate of the store, and denies the rest
 * (including every request of another mechanism). The decision carries the user id and, as
 * zauth does, the certificate's metadata; metadata names that ZMTP cannot carry (characters
 * outside `A-Z a-z 0-9 - _ . +`, such as `@` or `/`) are left out.
 *
 * @param source - a directory (a new {@link CertStore} is made with `options`) or a store
 * @throws as the {@link CertStore} constructor
 */
export function certStore(source: string | CertStore, options: CertStoreAuthorizerOptions = {}): CertStoreAuthorizer {
  const store = source instanceof CertStore ? source : new CertStore(source, options);
  const userId = options.userId ?? ((certificate: Certificate) => certificate.publicKeyZ85);
  const authorizer = async (request: Parameters<Authorizer>[0]) => {
    if (request.publicKey === undefined) return deny();
    const certificate = await store.lookup(request.publicKey);
    if (certificate === undefined) return deny();
    return allow(userId(certificate), zmtpMetadata(certificate.metadata));
  };
  return Object.assign(authorizer, { store });
}

function zmtpMetadata(metadata: ReadonlyMap<string, string>): Metadata {
  const carried = [...metadata].filter(([name]) => {
    try {
      Metadata.from([[name, '']]);
      return true;
    } catch {
      return false;
    }
  });
  return Metadata.from(carried);
}
