declare module '*.svg' {
  const value: string;
  export default value;
}

// the bundler resolves it (index.ts reads the npm package's version)
declare function require(path: string): any;
