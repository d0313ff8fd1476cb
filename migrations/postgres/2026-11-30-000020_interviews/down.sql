DROP TABLE interview_bookings;
DROP TABLE interview_slots;
DROP TABLE interview_windows;
