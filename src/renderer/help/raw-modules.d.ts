/** A file imported with Vite's `?raw` suffix: its text, put into the bundle when the app is built. */
declare module '*?raw' {
  const text: string;
  export default text;
}
