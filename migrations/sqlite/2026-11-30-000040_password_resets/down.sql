-- The outbox keeps its wider audience CHECK (rebuilding it back would refuse 'staff' rows).
DROP TABLE password_resets;
