"""The shapes the use cases take and give: validated commands and the views they answer.

They sit below ``api/``, which declares them as its request and response bodies, so
that no use case imports the HTTP layer.
"""
