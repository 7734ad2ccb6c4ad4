"""Small helpers with no domain stage of their own: money, masking, atomic writes, resources."""
