/**
 * The fixed known answers of the pre-export self-test (./self-test.ts): published test keys, never
 * secrets, shipped in the source so that nothing is generated at export time. The RSA keys stand for the
 * provider's wrapping key of each size (the self-test opens the token's wrap with their private halves)
 * and for RSA CMKs; the EC keys for EC CMKs; the secret values for AES and HMAC CMKs.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { cmkShapes, type CmkSpec } from '../../shared/keys';

const pems = {
  rsa2048: `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCl/ziGxqWzFwHv
a2vQeq8AtETwygA6bKzGNDSuvVceNHFVSO0YwppOi4N0hzN5BAtpuUyuEq6spuzE
nO5n1j0MFjx6/LFQpOLyRYHNxZpW8E3m4S62J4ccU7lyouejHXlSHhcm2kUXFF8G
wEdjzzn0OmeJT2j5QNPfNo/D54GxfT2AuC6PB96LAkLpnpvHg65rRN5vJAXShMn7
17jjGriq7dKZnh/J7XLPPCMOj3Pl2JxRn/Tdqjqr+LWfp6zn+FljI28ozLXoqIdX
gqhUCPlJS2Fs6GHd0J8JSBKOxHWYKtdJS/z7ApTGeBCml1TW8LqZBw4blhA4p/RK
FARsUx/9AgMBAAECggEACPdkQkNwp9/SRvByfmxiD5OtNaRzprRAEOS5A8dOcV87
z/OEexXn5945V44GBb9mLmvH7I8tyD2sBGLFre4wlfqNgccsfMKrT5LZlBfcYl3Q
l2wKbeRss+cB2WNbR8BL0Ve2wG6B1OFQ0LiKIqYK51pQRWZ4sR4DU8dKtLZIlyGq
U3wrSGqlBSKzMFtbul9wpHvlomN+Y5Wxe1egiuf6EF488rT4ZujzwH0+BbZfuxhA
hlVHCCMt7OkgFSm1/Op2sVHTZuT712NG6L/dG3nQKBSgn8rTo5woH/aYSgVsVnaE
pedzB73JbVyibxucvDucS6re4wzdcqDjeMKqNtdcgQKBgQDjrMI7eOujySH6zK2L
WEOIhnLYVzV0otu84N97j3kqJUnzJTb21Gwh5TlWzuZ0bJmi7uCV7upVyXGb5poj
cnnsxn/oqkTSw2TWVLP/RMxVw6Hv5KIM8NdDxQdBz0GmWHskIXU5gSLytPUeQGPC
b7U6n1yMMYKIIWMyViGMvgxAVQKBgQC6phOLMpuxFTRvO2tq2XigQjbTBHgzh+Fh
fvmxt63szDL20R5UW4SYQio+35hnytHy1b6xj2vbnzKQKABKyaMwddb2Y0/cdzC5
G8XZIBejrKfyOaJb+ymu2w2Y4BL7g78YXja7b2aitWA/8OajeyqvLYE/Po9NHgrA
rTY603ppCQKBgQCTZsABvRHiYk/LjkQ1WRmwBEvKYPvM3buiF3zZBFSPwsCT2N4z
A+hWMY/j8eQmMEFvyXRB3gJ9NASHyM62cGEbuJALVGFmivZ4BTLb6/DW/eeT5tQ7
yJm12JQQOVzpk5N2GutIJaE4vYuM4Gc19RjCMXa7lTpLZEJSzoy+EDTiWQKBgHPT
LZuayyznyMMh73W+AHIKxPTL+D+aGc2juxWCs2aYDSRG/vhAVpcZsBeWL4BxRznX
VF/hbYA7WWhFunCukhs3dS8uz9czC8RDLNKhbKoAMbRJ+av0v5gnjVeJ7Z2w0vwv
Mu27oshjn5fuSWG3w/QzW9pAWzLy6p9InbeBlpvpAoGAFL5jeIPy0V1ZJNWTQbza
iHsq26Z4fYRNQPbmmbVUpelRSM5XNFozzPVsJ+HUYNfwpKSSaC4hw7s6DPuy09xk
o8w/fZSGlZ9tRbRKZrkaBrv8N3XGiwnF/LYscxaB3KtL+yWMateOkl3jv6u/1uNB
mz5SlKF8v8MwVqSIoQ2GsAM=
-----END PRIVATE KEY-----`,
  rsa3072: `-----BEGIN PRIVATE KEY-----
MIIG/QIBADANBgkqhkiG9w0BAQEFAASCBucwggbjAgEAAoIBgQDY9M5M7bMbzgZU
5U+rbzVtMLeQ0inXldzmEBgcos6gPspIR4ZOgN86Xj3I7IheYrS8RdR9A2jPp2qt
qLo+bozGK8ecYNxhUsXTC7GrzjnVNuJJFDL11Uxi5PmUeVl6KQnUlr89ZY4civKI
cNNHUX1Z706Lzxm61xxnHcTIkDI+hC+gaJXYYLHHmdEIQMA0puPmVfSiTI+AQVhM
5u6SpsmhcyJX1LLJOIJ0l83YuiwHFETIZ89bV6FpyzMjk4MInNoe3idln+HA+gBM
7UFVNPEQ2QPdk4icGWyyCMFP5ppGuT3WDqIqA9x6uOgXF2gV9jS50xd8Ff6W/vfK
c7/DrEr/SFyc8JYYWFV0IdVHw+zcTGa3ntEZn2VpTVRH5+pTB8ddGoCxEP/q5yRS
sObF/jOErrvwCPx9YvbrGyGzaP2Zx7TDm1VDBC9oqSXEPbfG6DdljLtXOBm+VFYM
h3jzSfykeXcWYQiZ5872aIHXmfRuzvtnLoRT45nGv0KkyhDTRT8CAwEAAQKCAYAj
Csds3X0ZzJkb3+iSWWVZEY6qBt1YmOK+YMhu4k0Fd57XNdZCRRvJIwJPuwSmWhhf
IILwU5CmREroFGH18N0uqlDqDSsLUoHpU0Y16G/8OYqAdea/64e+9sTpGlXoHqDG
hDgMrqPZhbJ5dIprm9nnS3kgU9RlZ+vf1osQ6gQeMjOPG9VixvDFZdlsFSlLrSO6
RxU68arBSHdT/yjMPxbqIN03L9UAyJkpmStXtMT6ZRJcXDK9yir5b3ypuQsSZQ2k
gev6N7KAlz3hnVaGCdNKmtRWvuC1u45mf3bbvAWc/L7xBf/lzinWA+dh9+4XIlvY
RyR6kAdt/Tpri9ZLChlds/co9NlnQgf74Ew7MEW7EDTcmtOihgAUA84JJ5gypMF1
sVoouWHu6yij1KQlO5YdkELWpXExunHPDZ3cApa5zgAh+cGzovcyOxwWigvHTLn+
zAocsz3RP4/7/v0F7MmR1GVNAKX0/snofw22OCO0eR3uj8Mhr78ZEv6KIWfzQyEC
gcEA8sk1E05p5JlN01y/uiwPRb9bdQ12sngDRgzJL0vhhZcc4chsAAJqYvkLxdw7
9pSZkYQBuJPyD1HS/Qz6TwQ+saYJwXxte1uOzN/POeIIVcVQpaZPR0wHVWuNLzDV
8AZS+/A6xxXu8s1gQBdEojl1rgPBB54IjfWsgZLn/NzxNejAXtornS0l3cXRRFrJ
4A6919Nf1Fy0LMpPgo57vIoYKfYIsO0bT36gsHfDQPr9iVx8iDxMJ2nTUXHrGQeh
qDvzAoHBAOTDtR2SZNxuqhH6NHTQnPAhtm3tfuOP1adeSU9CTZv2FSRD/yAGKYkE
9kMfww5P9cTjG4bXWwg5iEtdHhgysg1Fd4ffSW/bWvhyOofbOlDKnGMLXXrmWIPP
aZexNd5KdO7ZmPYdw1iWDVwW+UFHrPI2f4/EX+HcMgfGyui+OKd5E0kjfPg+iuJQ
t2wZsPTtwiaNcudd7oFA/bbZ+ecXOf7ukrQeLZTZOrzGg3NtnSxmieggpRC09a22
y5qYC4tghQKBwQCVe5sJMwtx644GaCHIH96bZBGMhWiiw8/ILpEkZMULOppWzc7p
RpN4Mryz60CkNqRC+xMQMU8lbYzJr1bilcuAF6oEDndeL2ZB8D8n9WqKXL2l8Dr5
u+78AgdgmeHvMgWgBy45a+C+cAMmEu14MIarSLZt2TiNJ0k6Ulgx0VtWhOMEw7F8
ydJ5tJV/T6LiKFFs9EEZgKaSuVGxIcc/s4rjMw/w11wsWtvXKzX16VN3YpFuVCnT
To4EpG5K7+7xpU8CgcBJUDscBg2S41hXuJLVGQIipvs7EZDHxxHWuI3P+9S5dczi
uXPqxG7NPazaaDRvwspl1c69kQjYgu+eD3KUmLKdNDURc0qqsWbfFmSRo3115Ojn
iP3lZCrb2z3g4mb8HWqKHWw6++Dd5ADWEXrCJAFWAocxAOMllBbojRn8KvInIdM/
bkMfn5OM4gdWeolOhV/iURSQ93Z3L+ffkM3Y9IWeoMCdPsqm2FNNqmT4OhnT3+y0
Wrnrt8LAcEOiALY6ba0CgcBCfIsAOQJ3/0NCZiy8ukfz5LSAyEFVytiCrLoYluK/
ZG6ZUfm3XWEmGGtOLS3z5bDnchRKvhltktEUliQnxoKAdPNv7JPV7onrACUkNLkD
ZfpSdJE8cMmjyzgGTjBof6YrP0ZupXfLKrj6EsAX+MzoG907e+nRMQf8OzIgILbJ
pl4bJB1+GRMOqRb4zZsvWGT5YG5DyXTSMqL4n3hSK2oOv/Q2wHI+vY/7K48XmdBf
HILVWfmCa29sYeBga1EJVQQ=
-----END PRIVATE KEY-----`,
  rsa4096: `-----BEGIN PRIVATE KEY-----
MIIJQQIBADANBgkqhkiG9w0BAQEFAASCCSswggknAgEAAoICAQCMAtRr3FcBjCWi
JERVk+3LYu/EToa1qQUvC12DVW5XbIYwvOEQQE7rrL/JORtSmQYUjJi6errOQGU+
FsXSRJI1tz5oWlT70POqyqWCnQ5GroB7uYZMpJreLBpyQZRzveZshvEL2MHM2lvc
b4Iflg32iyL0PW/nNk/lgt2kBAFwf6fzjdHsSdMtBX/8Y28JcaNq0qxJqDAAJGop
GI9XZhwhEwhLI6+0KVo1prlmQYHgMV4VToS1N48dfDL8sNWhGvfKVmNL/YydE902
pwA1zMdZMitXNeZ+qUnU+AcoiMODchnLCHp7KiP7QvChbtn3FbPxfHfXkZ/AKB04
I7ZB/UKGNo6OryeBYqIvdHWKF97hGpegD+zggtgUptZNUcJC15hSVuEtmn095u6N
th38Sl6K9aR9LB8WcyBgf8Qf12/SNjxQq/Rv2Rbw7ySE8TzGURT/33ZR8x4bvoTj
9e2Wi5fpAY4j9zh5qe3seTnXLmTsvOSsweBe+556u2z/T6UiUeVtA0gTgJT5s33f
kpyXQWHdej/cA/i66oRGLs7n/Dm7OnORXyPlON8cb4fR32RHNyX5bu3S+42i67KJ
c4Px/Ayl18GmXFgFB2nqX2KjOT4UYjrHY9Un7TLgsuzisOgQv5zvE338hMFZZR3u
V+pijiDVtv6xt3owKFdu/AMvv1z3wwIDAQABAoIB/wyoQI/1j5qew/+c7NB5hDiJ
KcbY1P36UeZWFBVQPFFyD5jzxMvYQb3BKTp5MuWfSicyHg1nKzW7NRIiqQf8knto
osdCKYrVhYyd/UckhZRsu+2gUkklTPlU+DdBpOBoMK49VTu5axevaSHrYGj0ShhR
Olo2goUMyV3U0uXD89u/fVrpyfKWVH6bIv1Q1MqCsRshWAcz5Cyr3565RFaAVYtl
6/j0Gx0oPVbiHQCVWuWGOxPJfLpXSD8gcpY9meITo3QoAylrL+XkADhSQkJLFKiW
vsQFXDYw8GMiWfUX1NkBM543V9phS2SQQNU2sPl3BZtLfNOkoaFmZQRbiR4yQ2CU
64vxl6jev5vq0UYKK6ynAlF51mxCCXijVnbhdHnFi6ZU0sMNpAKwex34B76+zcgO
UZzyIjSiuFjjhLmalVBG+Pfogsn0r+s8ZmyoY5WkwYr+6EoUMkJReb7ap9jLvH+U
AXgMqkTk94wKxPR/yWwgq77fqVns+8+wV5I24USk4q9ZPKfs+fBT63n6qwY6S6N/
EOwc2piLeKrUW0Xow42WZelEBrcs5E0hU/9cQI2lnHuqcgmPQux7RbX0V/TNpANu
mUmgXGyO93JecTDi6Fle1/xCN15aQ06Lw5+yhuB3fI2nIAw+VGyxH9Cg+WredU3Z
gv9TG/JGLElBPRLAtGECggEBAL/xEtgj3euW3yWcSlJ6CsV9uE5D3gk8KVH+KLo1
zZR4UnsYVlNV/sk1u/T14yDcbsSPT5gGPmdt6Y1anv6L4VobgcJwWohkLwBTfj/q
+8mRXVweAnqcQBo2tWzgxnGWdXLvHkl9ej1UjMAPWtH+7xx6ZIIYIJGFglOe7qT4
0QEXpasWw65v0xGTp9jMIj5gkJqDm67zGROunSmKRKFu86zvNMZlgGalF43AICXt
BmmhxgtteMs71V0GaChJlHArfoWx7WpQSeG1bIWvKG6bu6gbgjlNwf7Ig8DiwBMI
p/2C+VlQ3zRywh5OPAf+AFnxouumdFymzrX5HSzpEKq6vb8CggEBALq89P8F8qjw
HktSVfdICyNl3J0q6iEZCRdWVqh03SbJeO8iKhdDvz29nwmjaAlcGWWYovxD4kOZ
P9+F+hWBej8J9RcWX0tX7QCTLHUoL6lniHiV8Tz0XP6eUMyiDLQuljR0hed4f/0V
EuBd2Lz0MDEfaBkuhG/yWEJGkH35GXTwd9GHuhDG4m6XVhzLviwoTybG7SwwWbQo
mc6o2AoZ8FfaCXHTvGoOzDQB31N3f6AvQzdMUMGaz+TRnJ5hcPFR6TpWEUdJ2Kk6
Ir+9D8bogptQyqko5HqZ5TR5DWguBx/s+NX1dLszsDA0bEm6LVoaIC8Pni7YdDRa
4mbB4HtRDv0CggEAFyVcD2Jr3YAJEsEBGWcMK3qYoh9/BAAUP4X1pVbdnpzP3XY2
2r/RBLSNIOIR7KGIXf2mLH/8QH65nkkiSTHXEAWnJSplUHM8U769x7lveYQlDPm1
dNGozUBxqlqEs6fgK+b38QbHmeO7QWHYouAqN3Xu7t03+DRwXeMZhh1XHtmaKcKK
AFwNyN3UbMlZC8qbRXa/bF52VLBG1X6N/iWiDuWdqJsO29HmwDo95jTqBAz1E+W0
nlVtylT+dHVDCC/GhxrItXxPHH/DQW+44XW4MHJ4xq5AyZemg7kUTndJwsFrjkC5
WdrI29y1UoVnx3DjI6Wj/JRE8x7CTOsiDmSMgwKCAQBhn+OdZ6ii9VWBHzxeGMXp
7ZjWedcJEqOUFckcLGxpmK6mpf/HRd23E2kPiuQa8JE+cfvTUlH58SZZXxuNHrGg
Pz5ooYOUShVXVZnKbgXs1HmeQRVrPn1Xh8DKGnX1xN018y0GBBM1Zk0GC0oCDs8a
/0ZW0+Dc/Z9ylp13nkDWx9h8LC70EmXSVz/nsgRr5W7r4NehYG2lKAyw48h+D219
IDoLzhwUfkP3dHsikbihL9Q+FqGpdZv2DjeI/XwkTSRXISPLVynz3rbH8rlKzcdq
F2S75ur7xXT0Z8zAiD+lSygUA0zRiYY0zVNHgBOxpTLqJ4oVB4hIzrLJ8dW/4nKp
AoIBAQCMC662yavLTlG52L+19oQ0M1kn/ib8N7jSKZNzxVNKamtM49ZpUm2OBt0g
qmPREll8y0v3UM4KEPx0SYsQnrD8+SBXdu4Jl+vWwfGWDV9osf3ADX8LvrU+3yqy
cuUfEwYp5k5pEOomh4TqNsqG0KyE6hVlRYoks4afc7FQPJHPSHqEF6rV1CRMctaA
gnoUnAmJ0PBGJfrSTNCUyHWKkr/NcTTCnuIWGsA1EygD+PzmVjIsJlrq8q4/VfwX
cV+nEo2eev3woWhb1nKKelCdpE8Eeq/0I0KnwYkqcg5rXzZNKBKdLDd1c28K4sL5
VzOuQLvDjTdJ5tbzgmM5RaAa7nHJ
-----END PRIVATE KEY-----`,
  ecP256: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSHYSct+MRIyFq1nW
Qs+7RKypFGu5oQSIcMSK/IiVXCChRANCAARvwKRdAzkcnbgaFCsLtx7gSpLngyEC
YIujfOqvl6BXzkW+VslA1AD9QOs03CH/uT/v0QctDz0baEp1mTdp9uB5
-----END PRIVATE KEY-----`,
  ecP384: `-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDA1qvU+b5uGW52LxO+E
7raTGLasN6AeQz9iRvOVob8W0wXnQ78MF6GuUrziM28ktYyhZANiAARDBwzr7AjZ
n9FPscDdVZpQG/xUf/3coHnw7C/0k7tOeIP4tteoGrCm47TSkME5tctLWmlnc4jJ
1xXkOyoUrvt5xJMhaQRutFshSE4dAoRL1jdYNL83zAHMCU8tTFsrHFY=
-----END PRIVATE KEY-----`,
  ecP521: `-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAMw6k6DLRjACyk+4F
nlgHbkwuYM+bM6dk2PLu/t7cp0SjSKuq7U2N+RGYVDJHDGLA1ZfAWxabv4ar553/
c/bzFzuhgYkDgYYABAGW5jsUClrktJFXZtAKroVJB0pp0E0IbwgW881r8E2iQ+9U
PVoM4I4r/bGoqFO2me6XVsNPg7ZMsJDGNaXuNIJUhAG0DOK42uMbwwWd4LASsjtI
OBfV5rtxvddNWl53HPtEtCy/iR7tLSwwj1RTb0JZ93CDJeX7ST+r2EzrIsmmb2yi
UQ==
-----END PRIVATE KEY-----`,
  ecSecp256k1: `-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgbTWASldO/IRcDnXAfnYU
fyJDvEwE3jHaiiRzEI5frUyhRANCAAS4xZYRmjuTLzJsXSQH8M4bfESbN3scC6Km
xGiVpJCh2J5B7TVV/yMOE8OxhnDKy2o9g/LMgEcv324yJ6zSFz6Y
-----END PRIVATE KEY-----`,
} as const;

const keyObjects = new Map<string, KeyObject>();
const keyOf = (name: keyof typeof pems): KeyObject => {
  const known = keyObjects.get(name) ?? createPrivateKey(pems[name]);
  keyObjects.set(name, known);
  return known;
};

/** The test RSA key standing for a provider's wrapping key of this size. */
export function testWrappingKey(modulusBits: number): KeyObject | undefined {
  const name = `rsa${modulusBits}`;
  return name === 'rsa2048' || name === 'rsa3072' || name === 'rsa4096' ? keyOf(name) : undefined;
}

/** A test key of a CMK's own type and size: its value (AES, HMAC), or its private key (RSA, EC). */
export type TestKey = { secret: Buffer } | { privateKey: KeyObject };

/** Octets 0x00, 0x01, … : a recognisable test value, never a key anyone uses. */
const counting = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i));

export function testKeyOf(spec: CmkSpec): TestKey {
  const shape = cmkShapes[spec];
  switch (shape.kind) {
    case 'aes':
    case 'hmac':
      return { secret: counting(shape.bytes) };
    case 'rsa':
      return { privateKey: keyOf(`rsa${shape.bits}`) };
    case 'ec':
      return { privateKey: keyOf(ecTestKeys[shape.curve]) };
  }
}

const ecTestKeys = { 'P-256': 'ecP256', 'P-384': 'ecP384', 'P-521': 'ecP521', secp256k1: 'ecSecp256k1' } as const;
