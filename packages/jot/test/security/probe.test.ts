import assert from 'node:assert/strict'
import { it } from 'node:test'
import { cryptoBackend } from 'jot'
it('backend', () => { assert.equal(cryptoBackend, process.env.JOT_BACKEND) })
