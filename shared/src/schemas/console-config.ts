/**
 * What the web console needs to know about its deploy, inlined into index.html by the api function
 * (functions/src/edge/console-routes.ts) and read by the page (console/src/live/live-source.ts):
 * where live status comes from.
 */
export interface ConsoleConfig {
  live: 'sse' | 'firestore';
  firebase?: {
    apiKey: string;
    appId: string;
    projectId: string;
    databaseId: string;
    /** Google's Firestore emulator (`host:port`) when the server itself runs on it. */
    emulatorHost?: string;
  };
}
