/** Whether a token's own CKM_RSA_AES_KEY_WRAP is used (native-rsa-aes.ts), and why: kept with its session. */
export interface NativeRsaAesChoice {
  use: boolean;
  /** What the known answer found, or why it was not tried. */
  finding: string;
}
