/**
 * The extended key usage (RFC 5280, 4.2.1.12) that marks a certificate as issued to a Keyward
 * workstation. With `--ca`, being issued by the organisation's CA is not enough, since the CA also issues
 * every employee's e-mail and code-signing certificates: the signer's certificate must carry this
 * purpose, which the CA includes only when it certifies a Keyward workstation key. A UUID-based OID
 * (ITU-T X.667, arc 2.25) needs no registration: the decimal form of the fixed random UUID
 * a73d94b0-3cbf-44e4-9233-dd589ac04364. Never change it: certificates already issued carry it.
 */
export const keywardWorkstationEku = '2.25.222300821164029848976162889563306476388';

/** How an OpenSSL-based CA is asked for it (an extensions file line; other CAs: a custom extended key usage with this OID). */
export const keywardWorkstationEkuOpenssl = `extendedKeyUsage = ${keywardWorkstationEku}`;
