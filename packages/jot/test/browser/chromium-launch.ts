// How the repository's browser tests launch Chromium: Debian's /usr/bin/chromium (installed by
// scripts/install-chromium.sh), driven by playwright-core. Shared by this package's browser test and
// the debugger page's tests, so both run the browser the same way.
import { existsSync } from 'node:fs'

export const CHROMIUM = process.env.JOT_CHROMIUM ?? '/usr/bin/chromium'
export const chromiumInstalled = () => existsSync(CHROMIUM)

// What works on our machines (closed network, root): no sandbox, no GPU, and none of Chromium's
// background connections, each of which the network would refuse.
export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
