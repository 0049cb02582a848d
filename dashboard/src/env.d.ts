// esbuild bundles the CSS a module imports into app.css; to TypeScript such an import has no value.
declare module '*.css';

// core/status.ts (whose types the page imports) names Node's Buffer in parseStatusMessage, which the page never calls;
// this stand-in lets the page type-check without pulling all of @types/node into browser code.
interface Buffer extends Uint8Array {
  toString(encoding?: string): string;
}
