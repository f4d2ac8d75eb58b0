declare module 'graphql-depth-limit' {
  import type { ValidationContext } from 'graphql';
  export default function depthLimit(maxDepth: number, options?: { ignore?: (string | RegExp)[] }): (context: ValidationContext) => unknown;
}
