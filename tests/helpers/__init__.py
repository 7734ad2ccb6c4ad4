"""Helpers shared by the test modules: sample applications, hostile files, packages, PDFs."""
