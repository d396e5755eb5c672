"""Tests of the agenda service."""
