"""Crisis detection that does not depend on the trained model."""
