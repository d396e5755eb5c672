"""The shapes the use cases take and give: validated commands and the views they answer.

They sit below ``api/``, which declares them as its request and response bodies (so
they also write the OpenAPI document), so that no use case imports the HTTP layer.
Times come in ISO 8601 with an offset and go out in Europe/Paris with its offset.
"""
