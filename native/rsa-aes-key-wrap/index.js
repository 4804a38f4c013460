'use strict';
// Keyward's N-API helper for CKM_RSA_AES_KEY_WRAP (see src/rsa_aes_key_wrap.c).
module.exports = require('./build/Release/rsa_aes_key_wrap.node');
