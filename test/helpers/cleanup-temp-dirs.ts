// Loaded before every test file (vitest.config.ts setupFiles): after the file, the temp dirs made
// with tempDir() are removed and the processes naming them killed, even when a test failed
// before its own cleanup. (Hooks from a setup file run last among the file's afterAll hooks.)
import { afterAll } from "vitest";
import { cleanupTempDirs } from "./temp-dir.js";

afterAll(() => cleanupTempDirs());
