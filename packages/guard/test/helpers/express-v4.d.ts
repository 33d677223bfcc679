// Express 4, installed under an alias next to Express 5; the tests use it through Express 5's types.
declare module 'express-v4' {
  const express: unknown
  export default express
}
