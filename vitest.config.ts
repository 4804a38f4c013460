import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/security/**/*.test.ts'],
    environment: 'node',
    // Integration tests start real HSM processes against SoftHSM2; two cores, so keep it modest.
    pool: 'forks',
    maxWorkers: 2,
    // A hung test still fails, but a loaded CI machine (two cores, scrypt, RSA key generation) does not.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
