/** The layout of CK_RSA_AES_KEY_WRAP_PARAMS and CK_RSA_PKCS_OAEP_PARAMS this build passes, in bytes. */
export interface ParamsLayout {
  ulongSize: number;
  pointerSize: number;
  paramsSize: number;
  aesKeyBitsOffset: number;
  oaepParamsOffset: number;
  oaepSize: number;
  hashAlgOffset: number;
  mgfOffset: number;
  sourceOffset: number;
  sourceDataOffset: number;
  sourceDataLenOffset: number;
  /** CKM_RSA_AES_KEY_WRAP as the header defines it. */
  mechanism: number;
}

export function layout(): ParamsLayout;

/** The parameters as the helper builds them for C_WrapKey, their pointers zeroed; and whether the first pointed to the second. */
export function encodeParams(
  aesKeyBits: number,
  hashAlg: number,
  mgf: number,
): { params: Buffer; oaep: Buffer; pointsToOaep: boolean };

/**
 * C_WrapKey with CKM_RSA_AES_KEY_WRAP on a module pkcs11js already loaded in this process (never loaded
 * here), its session and key handles as pkcs11js gives them. Throws an Error whose code is the CK_RV in hex.
 */
export function wrapKey(
  modulePath: string,
  session: Buffer,
  aesKeyBits: number,
  hashAlg: number,
  mgf: number,
  wrappingKey: Buffer,
  key: Buffer,
): Buffer;
