"""Security of the logs: masking, field encryption, tamper evidence, access control."""
