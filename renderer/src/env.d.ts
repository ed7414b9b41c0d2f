// Stylesheets are bundled by Vite (imported for their side effect only).
declare module '*.css';
