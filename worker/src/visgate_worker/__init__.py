"""Visgate Deploy's RunPod serverless worker (see worker/README.md)."""
