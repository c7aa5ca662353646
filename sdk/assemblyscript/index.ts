// Package entry for asc, which resolves `import ... from "@weft/node"` to
// node_modules/@weft/node/index.ts. The SDK lives in assembly/.
export * from "./assembly/index";
